/** The Intercom simulator: an HTTP server speaking Intercom's REST, OAuth and webhook wire formats. */
export { startIntercomSimulator, type IntercomSimulator, type SimulatorOptions } from './simulator.server';
export { SimulatorClient, SimulatorClientError, type AuthorizeResult, type IntercomContactJson } from './simulator-client';
export { SimulatorState, type TokenRecord, type OAuthClient } from './simulator-state';
export type { Workspace } from './workspace';
export * from './control.schema';
export type * from './control.types';
export {
  buildNotificationEnvelope,
  newNotificationId,
  signNotification,
  signWebhookBody,
  webhookHeaders,
  type EnvelopeInput,
  type NotificationEnvelope,
  type SignedNotification,
} from './webhook-envelope';
export { buildWebhookItem, prepareNotification } from './webhook-items';
export { canvasRequestBody, sendCanvasRequest, signCanvasBody as signCanvasRequestBody, type CanvasExchange } from './canvas-requests';
export { attemptDelivery, deliverNotification, validateWithHead } from './webhook-delivery';
export {
  INTERCOM_DELIVERY_RULES,
  MAX_ATTEMPTS,
  afterResponse,
  classifyResponse,
  nextAttemptAt,
  stateAt,
  type DeliveryRules,
  type ResponseKind,
  type SubscriptionHealth,
  type SubscriptionState,
} from './webhook-rules';
export { SimulatorClock } from './clock';
export { PERMISSIONS, type Permission, type MissingPermissionStyle } from './permissions';
export { REGIONS, regionUrls, type Region } from './regions';
export { DEFAULT_RATE_LIMIT } from './rate-limiter';
export { LIST_DEFAULT_PER_PAGE, MAX_PER_PAGE, SEARCH_DEFAULT_PER_PAGE } from './routes/rest.routes';
export { encodeCursor, decodeCursor, type CursorPosition } from './cursor';
export { dateFilterRange, localDayBounds, type DateRange } from './day-range';
