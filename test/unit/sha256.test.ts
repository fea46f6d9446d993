import { describe, expect, it } from "vitest";
import { sha256Hex, sha256HexSync } from "../../src/sha256.ts";

describe("sha256HexSync", () => {
  it("gives the FIPS 180-4 digests of the standard examples", () => {
    expect(sha256HexSync("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256HexSync("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256HexSync("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("agrees with WebCrypto at every padding boundary and on multi-byte text", async () => {
    const texts = [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 1000].map((n) => "x".repeat(n));
    texts.push("é€😀 \u0000 \ud800", "😀".repeat(40), JSON.stringify({ payload: "y".repeat(70_000) }));
    for (const text of texts) expect(sha256HexSync(text), `length ${text.length}`).toBe(await sha256Hex(text));
  });
});
