// Bundled sandbox of the PaymentOptions / DASGATEWAY S2S API (loopback HTTP server).
export { DEFAULT_SANDBOX_CREDENTIALS, startSandbox } from "./server"
export { DECLINE_CARDS, DEFAULT_TEST_CARD, THREE_DS_CARD } from "./cards"
export { DEFAULT_SANDBOX_CONFIG } from "./config"
export type {
  FaultKind,
  FaultOp,
  FaultSpec,
  HppTransactionIdMode,
  RecordedRequest,
  Sandbox,
  SandboxCard,
  SandboxConfig,
  SandboxCredentials,
  SandboxOptions,
  SandboxTransaction,
  SettleOutcome,
  ThreeDsOutcome,
  ThreeDsState,
  TransactionSource,
  TransactionStatus,
  TransactionType,
  WebhookDelivery,
} from "./types"
