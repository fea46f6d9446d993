// One alarm per object, always at the earliest time anything needs it (token expiry, history
// expiry, an empty room's clean-up). Decided in memory before any await, so concurrent events arm
// it in order.
export class AlarmClock {
  private at: number | null = null;
  private readonly storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.storage = storage;
  }

  /** Reads the pending alarm once, when the object starts. */
  async load(): Promise<void> {
    this.at = await this.storage.getAlarm();
  }

  async schedule(atMs: number): Promise<void> {
    if (!Number.isFinite(atMs) || (this.at !== null && this.at <= atMs)) return;
    this.at = atMs;
    await this.storage.setAlarm(atMs);
  }

  /** The alarm ran (or storage, alarm included, was deleted): nothing is pending. */
  fired(): void {
    this.at = null;
  }
}
