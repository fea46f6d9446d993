// Refresh in place: before the token expires, ask the provider for a new one and send it as a
// `refresh` frame on the open socket, so the connection outlives its first token.
import type { SetTimer } from "./acks.ts";
import { type BackoffOptions, backoffDelay } from "./backoff.ts";
import { ClientError } from "./errors.ts";
import type { TokenProvider } from "./options.ts";
import { type RefreshPolicy, refreshDelayMs } from "./token.ts";

export type RefresherDeps = {
  token: TokenProvider;
  now: () => number;
  setTimer: SetTimer;
  random: () => number;
  policy: RefreshPolicy;
  backoff: BackoffOptions;
  /** How long to wait for `refreshed` or an error frame. */
  answerTimeoutMs: number;
  /** Sends on the current socket; false when there is no open connection any more. */
  send: (frame: string) => boolean;
  report: (err: ClientError) => void;
};

/** Asks the provider once, and checks that it gave a token. */
export async function fetchToken(provider: TokenProvider): Promise<string> {
  const token = await provider();
  if (typeof token !== "string" || token === "") throw new TypeError("the token provider returned no token");
  return token;
}

export class Refresher {
  private readonly d: RefresherDeps;
  /** Bumped by arm() and stop(): a provider call that returns into another epoch is dropped. */
  private epoch = 0;
  private exp: number | undefined;
  private attempt = 0;
  private cancelTimer: (() => void) | undefined;
  private inFlight: { obtainedAt: number; cancel: () => void } | undefined;
  /** The last attempt failed: the gateway's 4001 at expiry is then terminal (see codes.ts). */
  failed = false;

  constructor(deps: RefresherDeps) {
    this.d = deps;
  }

  /** Whether a `refresh` frame waits for its answer (a ref-less error frame is then its refusal). */
  get waiting(): boolean {
    return this.inFlight !== undefined;
  }

  /**
   * Starts over for a token the gateway has just accepted (on welcome, or after `refreshed`).
   * `exp` undefined (an opaque token): no refresh; the gateway's 4001 then ends the connection
   * and the reconnect fetches a new token.
   */
  arm(exp: number | undefined, obtainedAt: number): void {
    this.stop();
    this.failed = false;
    this.attempt = 0;
    this.exp = exp;
    if (exp === undefined) return;
    this.schedule(refreshDelayMs(exp, obtainedAt, this.d.now(), this.d.policy));
  }

  stop(): void {
    this.epoch++;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.inFlight?.cancel();
    this.inFlight = undefined;
  }

  /** `refreshed`: returns false when no refresh was waiting. */
  answered(exp: number): boolean {
    const inFlight = this.inFlight;
    if (inFlight === undefined) return false;
    this.arm(exp, inFlight.obtainedAt);
    return true;
  }

  /** A ref-less error frame while waiting: the gateway refused the token. */
  refused(err: ClientError): void {
    this.fail(err);
  }

  private schedule(delayMs: number): void {
    const epoch = this.epoch;
    this.cancelTimer = this.d.setTimer(() => {
      this.cancelTimer = undefined;
      if (epoch === this.epoch) void this.run(epoch);
    }, delayMs);
  }

  private async run(epoch: number): Promise<void> {
    let token: string;
    try {
      token = await fetchToken(this.d.token);
    } catch (cause) {
      if (epoch === this.epoch)
        this.fail(new ClientError("token_provider_failed", "the token provider failed", { cause }));
      return;
    }
    if (epoch !== this.epoch) return;
    const obtainedAt = this.d.now();
    if (!this.d.send(JSON.stringify({ type: "refresh", token }))) return;
    const cancel = this.d.setTimer(() => {
      if (this.inFlight?.cancel === cancel)
        this.fail(new ClientError("refresh_timeout", "no answer to refresh in time"));
    }, this.d.answerTimeoutMs);
    this.inFlight = { obtainedAt, cancel };
  }

  /** Remembered; retried with backoff while the current token has time left (the provider may do better next time). */
  private fail(err: ClientError): void {
    this.inFlight?.cancel();
    this.inFlight = undefined;
    this.failed = true;
    this.d.report(err);
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const delay = Math.max(this.d.policy.minDelayMs, backoffDelay(this.attempt++, this.d.backoff, this.d.random));
    if (this.exp !== undefined && this.d.now() + delay < this.exp * 1000) this.schedule(delay);
  }
}
