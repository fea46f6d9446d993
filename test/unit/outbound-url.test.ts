import { describe, expect, it } from "vitest";
import { isAllowedOutboundUrl, outboundUrlProblem } from "../../src/net/outbound-url.ts";

const prod = { devAllowLoopbackHttp: false };
const dev = { devAllowLoopbackHttp: true };

describe("outbound URLs", () => {
  it("allow https to a public host", () => {
    for (const url of [
      "https://idp.example.com/.well-known/jwks.json",
      "https://8.8.8.8/x",
      "https://[2606:4700::1111]/",
    ])
      expect(outboundUrlProblem(url, prod), url).toBeUndefined();
  });

  it("refuse plain http, other schemes, credentials and what is not a URL", () => {
    expect(outboundUrlProblem("http://idp.example.com/jwks", prod)).toBe("must be an https URL");
    expect(outboundUrlProblem("http://idp.example.com/jwks", dev)).toBe("must be an https URL");
    expect(outboundUrlProblem("ftp://idp.example.com/jwks", dev)).toBe("must be an https URL");
    expect(outboundUrlProblem("https://u:p@idp.example.com/jwks", prod)).toBe("must not carry credentials");
    expect(outboundUrlProblem("idp.example.com/jwks", prod)).toBe("is not a URL");
  });

  it("refuse loopback, private, link-local and metadata addresses, in every spelling the URL parser accepts", () => {
    for (const url of [
      "https://127.0.0.1/",
      "https://2130706433/",
      "https://0x7f.1/",
      "https://localhost/",
      "https://api.localhost/",
      "https://10.1.2.3/",
      "https://172.16.0.1/",
      "https://192.168.1.1/",
      "https://169.254.169.254/latest/meta-data",
      "https://100.64.0.1/",
      "https://0.0.0.0/",
      "https://[::1]/",
      "https://[::ffff:127.0.0.1]/",
      "https://[fd00::1]/",
      "https://[fe80::1]/",
      "https://metadata.google.internal/",
      "https://printer.local/",
      "https://intranet/",
    ])
      expect(isAllowedOutboundUrl(url, prod), url).toBe(false);
  });

  it("allow loopback (http or https), and only loopback, with DEV_ALLOW_LOOPBACK_HTTP", () => {
    for (const url of [
      "http://127.0.0.1:8788/jwks.json",
      "http://localhost:9/",
      "http://[::1]:9/",
      "https://127.0.0.1/",
    ])
      expect(outboundUrlProblem(url, dev), url).toBeUndefined();
    for (const url of ["http://10.0.0.1/", "http://169.254.169.254/", "http://192.168.0.1/"])
      expect(isAllowedOutboundUrl(url, dev), url).toBe(false);
    expect(isAllowedOutboundUrl("http://127.0.0.1:8788/jwks.json", prod)).toBe(false);
  });
});
