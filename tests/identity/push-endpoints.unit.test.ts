// Which push endpoints identity accepts and sends to (channels/push-endpoints.ts), against the
// production default list: the public push services' hosts only, https, no private address.
import { describe, expect, it } from "vitest";
import { loadConfig } from "@localex/common";
import { endpointRefusal, pushEndpointRules } from "../../subgraphs/identity/src/notifications/channels/index.ts";

// Production: the default hosts, and https only (allowPlainHttp is false there).
const production = pushEndpointRules({ ...loadConfig({}).push, allowPlainHttp: false });
const refusal = (endpoint: string, rules = production) => endpointRefusal(new URL(endpoint), rules);

describe("push endpoints in production", () => {
  it("accepts the public push services' endpoints, a name under a `*.` entry included", () => {
    for (const endpoint of [
      "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91bH",
      "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABh",
      "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB",
      "https://web.push.apple.com/QGuQyavXutnMH",
      "https://api.push.apple.com/3/device/abc",
      "https://FCM.googleapis.com/fcm/send/x",
    ]) {
      expect(refusal(endpoint), endpoint).toBeNull();
    }
  });

  it("refuses other hosts, look-alikes, the bare domain of a `*.` entry, plain http, credentials and addresses", () => {
    for (const endpoint of [
      "https://attacker.example/push",
      "https://fcm.googleapis.com.attacker.example/fcm/send/x",
      "https://attacker-fcm.googleapis.com.example/x",
      "https://notify.windows.com/w/",
      "https://push.apple.com/x",
      "http://fcm.googleapis.com/fcm/send/x",
      "https://user:secret@fcm.googleapis.com/fcm/send/x",
      "https://127.0.0.1/push",
      "https://[::1]/push",
      "https://10.0.0.1/push",
      "https://169.254.169.254/latest/meta-data/",
      "https://localhost/push",
    ]) {
      expect(refusal(endpoint), endpoint).not.toBeNull();
    }
  });
});

describe("push endpoints in development with PUSH_ALLOW_LOOPBACK", () => {
  const development = pushEndpointRules(loadConfig({ PUSH_ALLOW_LOOPBACK: "true", PUSH_ENDPOINT_HOSTS: "push.localex.test" }).push);

  it("accepts a local stand-in on loopback, on any port, over http", () => {
    for (const endpoint of ["http://127.0.0.1:8123/push/x", "http://localhost:8123/push/x", "http://[::1]:8123/push/x", "https://push.localex.test/x"]) {
      expect(refusal(endpoint, development), endpoint).toBeNull();
    }
  });

  it("still refuses private addresses and hosts off the list", () => {
    for (const endpoint of ["http://10.0.0.1:8123/push/x", "http://192.168.0.10/push", "https://[fd00::1]/push", "https://fcm.googleapis.com/fcm/send/x"]) {
      expect(refusal(endpoint, development), endpoint).not.toBeNull();
    }
  });

  it("without it, refuses loopback too", () => {
    const strict = pushEndpointRules(loadConfig({ PUSH_ENDPOINT_HOSTS: "push.localex.test" }).push);
    expect(refusal("http://127.0.0.1:8123/push/x", strict)).not.toBeNull();
  });
});
