// The schemas the document names under components.schemas: request bodies straight from
// protocol.ts (what the routes check), response bodies from schemas.ts.
import {
  batchBodySchema,
  disconnectBodySchema,
  multiRoomBodySchema,
  publishBodySchema,
  revocationBodySchema,
} from "../protocol.ts";
import { component } from "../routes/route.ts";
import {
  batchResultSchema,
  disconnectResultSchema,
  errorBodySchema,
  healthSchema,
  historyPageSchema,
  indexSchema,
  messageFrameSchema,
  multiRoomResultSchema,
  presenceSnapshotSchema,
  publishResultSchema,
  revocationResultSchema,
  roomInfoSchema,
} from "./schemas.ts";

export const PublishBody = component("PublishBody", publishBodySchema);
export const BatchBody = component("BatchBody", batchBodySchema);
export const MultiRoomBody = component("MultiRoomBody", multiRoomBodySchema);
export const DisconnectBody = component("DisconnectBody", disconnectBodySchema);
export const RevocationBody = component("RevocationBody", revocationBodySchema);

export const Health = component("Health", healthSchema);
export const Index = component("Index", indexSchema);
export const PublishResult = component("PublishResult", publishResultSchema);
export const BatchResult = component("BatchResult", batchResultSchema);
export const MultiRoomResult = component("MultiRoomResult", multiRoomResultSchema);
export const HistoryPage = component("HistoryPage", historyPageSchema);
export const PresenceSnapshot = component("PresenceSnapshot", presenceSnapshotSchema);
export const DisconnectResult = component("DisconnectResult", disconnectResultSchema);
export const RevocationResult = component("RevocationResult", revocationResultSchema);
export const RoomInfo = component("RoomInfo", roomInfoSchema);
/** Every error answer's body. */
export const ErrorBody = component("ErrorBody", errorBodySchema);
/** Not a route's body: the frame sockets receive, which history pages hold too. */
export const MessageFrame = component("MessageFrame", messageFrameSchema);
