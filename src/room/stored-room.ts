// A room tells its tenant's object that it stores the tenant's data (history, idempotency records)
// the first time it records a message after waking, and that it stores nothing once it deleted its
// storage, so deleting the tenant finds every room with data and purges it (the tenant keeps the
// list: src/control/room-ledger.ts). A wake-up costs one RPC in the background, a publish nothing.
import type { TenantTerms } from "../control/terms.ts";
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import { tenantStub } from "../tenant/tenant.ts";

/** The tenant of a room object's name (`<tenant>/<room>`; tenant ids never hold a slash). */
export function tenantOfObject(name: string | undefined): string | undefined {
  const slash = name?.indexOf("/") ?? -1;
  return slash > 0 ? name?.slice(0, slash) : undefined;
}

export class StoredRoomNotice {
  private sent = false;
  private readonly ctx: DurableObjectState;
  private readonly env: Env;
  /** Told the tenant's terms its object answers a note with (a room without sockets learns them so). */
  private readonly learned: (terms: TenantTerms) => void;
  /** One stub for the object's life: a note and a later "forget" arrive in the order they were sent. */
  private stub: ReturnType<typeof tenantStub> | undefined;

  constructor(ctx: DurableObjectState, env: Env, learned: (terms: TenantTerms) => void) {
    this.ctx = ctx;
    this.env = env;
    this.learned = learned;
  }

  /** The room recorded a message. */
  recorded(): void {
    if (this.sent) return;
    this.sent = true;
    this.tell(async (tenant, name) => {
      const terms = await tenant.controlNoteStoredRoom(name);
      // A tenant object older than terms answers nothing.
      if (terms !== undefined) this.learned(terms);
    });
  }

  /** The room deleted its stored messages with the rest of its storage. */
  cleared(): void {
    this.sent = false;
    this.tell((tenant, name) => tenant.controlForgetStoredRoom(name));
  }

  private tell(call: (tenant: ReturnType<typeof tenantStub>, name: string) => Promise<void>): void {
    const name = this.ctx.id.name;
    const tenant = tenantOfObject(name);
    if (name === undefined || tenant === undefined) return;
    this.stub ??= tenantStub(this.env, tenant);
    const told = call(this.stub, name).catch((err: unknown) => {
      // A broken stub stays broken. A lost note is sent again with the next message (until then
      // only the history's age bound deletes the data); a lost "forget" leaves a purge with nothing to do.
      this.stub = undefined;
      this.sent = false;
      log("stored_room_note_failed", { object: name, error: String(err) });
    });
    this.ctx.waitUntil(told);
  }
}
