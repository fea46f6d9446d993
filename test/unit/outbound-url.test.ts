// The one rule for URLs the gateway calls: https to a public host, no credentials; http only to a
// loopback address when the development setting allows it.
import { describe, expect, it } from "vitest";
import { classifyHost } from "../../src/net/addresses.ts";
import { isAllowedOutboundUrl, outboundUrlProblem } from "../../src/net/outbound-url.ts";

const prod = { allowLoopbackHttp: false };
const dev = { allowLoopbackHttp: true };

describe("outbound URLs", () => {
  it.each([
    "https://hooks.example.com/in",
    "https://hooks.example.com:8443/in?x=1",
    "https://8.8.8.8/in",
    "https://[2606:4700::1111]/in",
    "https://172.32.0.1/in",
    "https://100.128.0.1/in",
  ])("allows %s", (url) => {
    expect(outboundUrlProblem(url, prod)).toBeUndefined();
  });

  it.each([
    ["http://hooks.example.com/in", "must use https"],
    ["ws://hooks.example.com/in", "must use https"],
    ["https://a:b@hooks.example.com/in", "credentials"],
    ["https://a@hooks.example.com/in", "credentials"],
    ["hooks.example.com/in", "absolute URL"],
    ["https://127.0.0.1/in", "loopback"],
    ["https://127.9.9.9/in", "loopback"],
    ["https://localhost:3000/in", "loopback"],
    ["https://api.localhost/in", "loopback"],
    ["https://[::1]/in", "loopback"],
    ["https://[::ffff:127.0.0.1]/in", "loopback"],
    ["https://2130706433/in", "loopback"],
    ["https://0x7f000001/in", "loopback"],
    ["https://0.0.0.0/in", "private"],
    ["https://10.1.2.3/in", "private"],
    ["https://100.64.0.1/in", "private"],
    ["https://169.254.169.254/latest/meta-data/", "private"],
    ["https://172.31.255.255/in", "private"],
    ["https://192.168.0.1/in", "private"],
    ["https://224.0.0.1/in", "private"],
    ["https://255.255.255.255/in", "private"],
    ["https://[fe80::1]/in", "private"],
    ["https://[fc00::1]/in", "private"],
    ["https://[fd00:ec2::254]/in", "private"],
    ["https://[::ffff:10.0.0.1]/in", "private"],
    ["https://[64:ff9b::a9fe:a9fe]/in", "private"],
    ["https://[::]/in", "private"],
    ["https://metadata.google.internal/", "private"],
    ["https://metadata/", "private"],
    ["https://db.internal/", "private"],
    ["https://printer.local/", "private"],
    ["https://router.home.arpa/", "private"],
    ["https://intranet/", "private"],
  ])("refuses %s (%s)", (url, why) => {
    expect(outboundUrlProblem(url, prod)).toContain(why);
  });

  it("allows http and https to loopback only when the development setting is on", () => {
    for (const url of ["http://127.0.0.1:9000/in", "http://localhost:9000/in", "http://[::1]:9000/in"]) {
      expect(outboundUrlProblem(url, dev), url).toBeUndefined();
      expect(outboundUrlProblem(url, prod), url).toBeDefined();
    }
    expect(outboundUrlProblem("http://hooks.example.com/in", dev)).toBe("must use https");
    expect(outboundUrlProblem("http://10.0.0.1/in", dev)).toContain("private");
    expect(outboundUrlProblem("http://u:p@127.0.0.1/in", dev)).toContain("credentials");
  });

  it("reads the development setting from the config", () => {
    expect(isAllowedOutboundUrl("http://127.0.0.1:1/x", { devAllowLoopbackHttp: true })).toBe(true);
    expect(isAllowedOutboundUrl("http://127.0.0.1:1/x", { devAllowLoopbackHttp: false })).toBe(false);
  });

  it("cannot see what a public name resolves to (documented limit)", () => {
    expect(classifyHost("127.0.0.1.nip.io")).toBe("public");
  });
});
