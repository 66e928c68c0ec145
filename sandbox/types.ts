// Public types of the bundled sandbox gateway (re-exported from sandbox/index.ts).

export interface SandboxCredentials {
  apiKey: string
  xApiKey: string
  merchantId: string
}

export interface SandboxOptions {
  /** 0 = random free port (default). */
  port?: number
  /** Default 127.0.0.1; the control endpoints have no auth, so keep it on loopback. */
  host?: string
  credentials?: SandboxCredentials
  /** Default true; when false one line per request is logged to stdout. */
  quiet?: boolean
}

export type FaultOp =
  | "refund"
  | "capture"
  | "void"
  | "authorization"
  | "payment"
  | "status"
  | "hpp"
  | "any"

export type FaultKind =
  | "decline"
  | "over_balance"
  | "unauthorized"
  | "server_error"
  | "bad_gateway"
  | "gateway_timeout"
  | "server_error_after_commit"
  | "timeout_before"
  | "timeout_after"
  | "unclear"
  | "pending"
  | "malformed"

export interface FaultSpec {
  op: FaultOp
  fault: FaultKind
  /** Only match requests whose body.transactionId (status: path id; HPP pay: link id) equals this. */
  transactionId?: string
  /** How many matching requests the fault applies to; default 1. */
  times?: number
  /** Hold time for timeout faults (default 120000); response delay for the others. */
  delayMs?: number
  /** unclear/pending: settle automatically after this many ms. */
  settleAfterMs?: number
  /** Outcome for settleAfterMs; default "succeeded". */
  settleOutcome?: SettleOutcome
}

export type TransactionType = "PRE_AUTH" | "CAPTURE" | "REFUND" | "VOID"
export type TransactionStatus = "succeeded" | "declined" | "pending"
export type SettleOutcome = "succeeded" | "declined"
/** Which call created the transaction ("payment" = S2S sale, "hpp" = hosted-page sale). */
export type TransactionSource = "authorization" | "payment" | "hpp" | "capture" | "refund" | "void"

export interface SandboxCard {
  name: string
  number: string
  exp_month: string
  exp_year: string
}

export interface SandboxTransaction {
  id: string
  ref: number
  type: TransactionType
  source: TransactionSource
  status: TransactionStatus
  /** Major units as a decimal string, e.g. "1000" (JPY) or "12.34" (USD). */
  amount: string
  amountMinor: number
  currency: string
  /** capture → its PRE_AUTH, refund → the captured txn, void → its PRE_AUTH. */
  parentId?: string
  merchantTxnRef: string
  notes?: string
  card: SandboxCard
  scheme: string
  responseCode: number
  createdAt: string
  /** PRE_AUTH only: a capture / void exists (succeeded or pending). */
  captured?: boolean
  voided?: boolean
  captureId?: string
  voidId?: string
  /** Captured transactions (sale or capture): sum of succeeded + pending refunds. */
  refundedAmount?: string
  refundedAmountMinor?: number
  refundIds?: string[]
  storedPaymentMethodId?: string
}

export interface RecordedRequest {
  method: string
  path: string
  headers: Record<string, string | string[] | undefined>
  body: unknown
  at: string
}

export interface WebhookDelivery {
  url: string
  body: unknown
  attempt: number
  status?: number
  error?: string
  at: string
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string
  credentials: SandboxCredentials
  /** Also ends held (timeout-fault) responses, webhook retries and keep-alive sockets. */
  close(): Promise<void>
  addFault(f: FaultSpec): void
  clearFaults(): void
  transactions(): SandboxTransaction[]
  transaction(id: string): SandboxTransaction | undefined
  requests(): RecordedRequest[]
  webhooks(): WebhookDelivery[]
  /** Resolve a pending/unclear transaction; throws if unknown or already settled differently. */
  settle(id: string, outcome: SettleOutcome): void
  /** Same as POST /__sandbox/reset. */
  reset(): void
}
