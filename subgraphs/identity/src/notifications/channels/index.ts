export {
  DeliveryFailed,
  type EmailChannel,
  type NotificationKind,
  type OutgoingNotification,
  type PushChannel,
  type PushTarget,
  type Recipient,
} from "./channel.ts";
export {
  createEmailChannel,
  DEVELOPMENT_APP_URL,
  DevelopmentMailbox,
  SmtpEmailChannel,
  type DevelopmentMail,
  type SmtpEmailOptions,
} from "./email.ts";
export { createPushChannel, WebPushChannel, type PushPayload, type WebPushOptions } from "./push.ts";
export { endpointRefusal, hostListed, PUBLIC_PUSH_ENDPOINTS, pushEndpointRules, type PushEndpointRules } from "./push-endpoints.ts";
export {
  APP_URL,
  escapeHtml,
  linkOf,
  notificationMessage,
  renderEmail,
  renderPush,
  renderVerificationEmail,
  subjectOf,
  type Details,
  type PushText,
  type RenderedEmail,
  type TemplateOptions,
} from "./templates.ts";
