import { describe, expect, it } from "vitest";
import { originAllowed } from "../../src/routes/origin.ts";

const ALLOWED = ["https://app.example.com", "http://localhost:5173"];

describe("originAllowed", () => {
  it("allows a request without Origin (a server or native app)", () => {
    expect(originAllowed(undefined, [])).toBe(true);
  });

  it("allows an origin on the list", () => {
    expect(originAllowed("http://localhost:5173", ALLOWED)).toBe(true);
  });

  it("refuses an origin that is not on the list", () => {
    expect(originAllowed("https://evil.example", ALLOWED)).toBe(false);
  });

  it("compares exactly: no other scheme, port, subdomain, path or case", () => {
    for (const near of [
      "http://app.example.com",
      "https://app.example.com:8443",
      "https://evil.app.example.com",
      "https://app.example.com/",
      "https://APP.example.com",
      "https://app.example.com.evil.example",
    ]) {
      expect(originAllowed(near, ALLOWED), near).toBe(false);
    }
  });

  it("refuses every browser origin when the list is empty, including the opaque origin null", () => {
    expect(originAllowed("https://app.example.com", [])).toBe(false);
    expect(originAllowed("null", [])).toBe(false);
  });

  it("allows any origin, null included, only when * is listed", () => {
    expect(originAllowed("https://anything.example", ["*"])).toBe(true);
    expect(originAllowed("null", ["https://app.example.com", "*"])).toBe(true);
  });
});
