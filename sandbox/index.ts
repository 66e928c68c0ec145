// Bundled sandbox of the PaymentOptions / DASGATEWAY S2S API (loopback HTTP server).
export { DEFAULT_SANDBOX_CREDENTIALS, startSandbox } from "./server"
export { DECLINE_CARDS, DEFAULT_TEST_CARD } from "./cards"
export type {
  FaultKind,
  FaultOp,
  FaultSpec,
  RecordedRequest,
  Sandbox,
  SandboxCard,
  SandboxCredentials,
  SandboxOptions,
  SandboxTransaction,
  SettleOutcome,
  TransactionSource,
  TransactionStatus,
  TransactionType,
  WebhookDelivery,
} from "./types"
