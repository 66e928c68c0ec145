// Public types of the bundled sandbox gateway (re-exported from sandbox/index.ts).

export interface SandboxCredentials {
  apiKey: string
  xApiKey: string
  merchantId: string
}

/**
 * Switches for behaviour the real gateway leaves UNKNOWN (API.md §5.3, §5.8, §10). Set them in
 * SandboxOptions, with `sandbox.configure(partial)` or `POST /__sandbox/config` (same fields, JSON);
 * `GET /__sandbox/config` shows the current values. reset() restores the values given at start.
 */
export interface SandboxConfig {
  /**
   * Id of the sale an HPP link produces. "link" (default): the link id, so
   * `GET status/<link id>` works after payment. "new": a fresh uuid; `status/<link id>` stays 404
   * and only the webhook (and the pay answer) names the transaction.
   */
  hppTransactionId: HppTransactionIdMode
  /** 3-D Secure redirect body carries `transaction_details: { id, merchant_txn_ref }` (default true; not in the docs' sample). */
  threeDsBodyHasTransactionId: boolean
  /** Deliver every webhook this many extra times with the same body (default 0), to test replay handling. */
  webhookDuplicates: number
  /** Delay in ms before the first delivery of each webhook (default 0). */
  webhookDelayMs: number
  /**
   * Also announce refunds on the original payment's webhook URL (the docs say webhooks cover refunds; which
   * calls send one is undocumented). Default true.
   */
  refundWebhooks: boolean
  /**
   * Also announce captures of a PRE_AUTH on the authorization's webhook URL (UNKNOWN whether the real gateway
   * does, API.md §10). Default true. Like refunds: sent when the capture commits, with its status envelope at that
   * moment, so also when the answer itself is lost (timeout_after, server_error_after_commit, malformed).
   */
  captureWebhooks: boolean
  /** Same for voids of a PRE_AUTH (announced on the authorization's webhook URL when the void commits). Default true. */
  voidWebhooks: boolean
}

export type HppTransactionIdMode = "link" | "new"

export interface SandboxOptions extends Partial<SandboxConfig> {
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
  /**
   * Like "pending" (a POST commits a pending transaction; a status lookup only changes its answer), but answered
   * `success: false` with an INFO gateway code (the operation's own INFO000x, message "Transaction is being
   * processed.") and no response code: the "being processed" reading of a body the docs never show (API.md §6).
   */
  | "in_progress"
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
/** 3-D Secure state of a v2 authorization/sale: awaiting the shopper, or the challenge's result. */
export type ThreeDsState = "challenge" | "passed" | "failed"
export type ThreeDsOutcome = "pass" | "fail"
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
  /** Only on transactions that went through a 3-D Secure challenge. */
  threeDs?: ThreeDsState
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
  /** transaction_details.id of the transaction the webhook reports. */
  transactionId?: string
  /** true for the extra copies sent because of `webhookDuplicates` (the original is false). */
  duplicate: boolean
  /** 1 for the first attempt of a copy, 2 and 3 for its retries. */
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
  /**
   * Resolve a pending/unclear transaction; throws if unknown or already settled differently.
   * On a transaction awaiting its 3-D Secure challenge this completes the challenge
   * (succeeded = pass, declined = fail with response code 937), webhook included.
   */
  settle(id: string, outcome: SettleOutcome): void
  /** Same as POST /__sandbox/reset; also restores the config given to startSandbox. */
  reset(): void
  /** Change switches in-process (same as POST /__sandbox/config); throws on invalid values; returns the full config. */
  configure(partial: Partial<SandboxConfig>): SandboxConfig
  /** Current switches (a copy). */
  config(): SandboxConfig
}
