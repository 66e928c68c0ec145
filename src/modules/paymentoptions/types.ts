/**
 * What the provider and the workflows need of the plugin's module: the operation log, verified webhook transactions,
 * saved cards and orphan payments. The module's service implements it; provider tests use an in-memory one.
 * Amounts are decimal strings in major units (the gateway's), never JS numbers.
 */
export type OperationKind = "sale" | "pre_auth" | "capture" | "void" | "refund"
export type OperationStatus = "sending" | "pending" | "unknown" | "succeeded" | "declined"

/** `sending`, `pending` and `unknown` are unsettled: the money may or may not have moved. */
export const UNSETTLED: readonly OperationStatus[] = ["sending", "pending", "unknown"]

export interface OperationRecord {
  id: string
  key: string
  kind: OperationKind
  status: OperationStatus
  provider_id: string | null
  session_id: string
  medusa_id: string | null
  parent_transaction_id: string | null
  transaction_id: string | null
  transaction_ref: string | null
  amount: string
  requested_amount: string | null
  currency_code: string
  code: string | null
  message: string | null
  response_code: number | null
  client_ip: string | null
  issued_token: string | null
  account_holder_id: string | null
  card: Record<string, unknown> | null
  settled_at: Date | string | null
  resolution: Record<string, unknown> | null
  created_at: Date | string
}

export interface BeginOperationInput {
  key: string
  kind: OperationKind
  session_id: string
  amount: string
  currency_code: string
  requested_amount?: string | null
  provider_id?: string | null
  medusa_id?: string | null
  parent_transaction_id?: string | null
  client_ip?: string | null
  account_holder_id?: string | null
}

export type OperationPatch = Partial<
  Pick<
    OperationRecord,
    | "status"
    | "transaction_id"
    | "transaction_ref"
    | "code"
    | "message"
    | "response_code"
    | "issued_token"
    | "card"
    | "settled_at"
    | "resolution"
    | "amount"
  >
>

export interface WebhookTransactionInput {
  transaction_id: string
  session_id: string
  provider_id?: string | null
  type: string
  outcome: "succeeded" | "declined" | "pending"
  amount?: string | null
  currency_code?: string | null
}

export interface WebhookTransactionRecord extends Required<Omit<WebhookTransactionInput, "amount" | "currency_code">> {
  id: string
  amount: string | null
  currency_code: string | null
  deliveries: number
  created_at: Date | string
}

export interface SavedCardInput {
  provider_id: string
  account_holder_id: string
  customer_id?: string | null
  token: string
  scheme?: string | null
  last4?: string | null
  exp_month?: string | null
  exp_year?: string | null
  operation_id?: string | null
}

export interface SavedCardRecord extends Required<SavedCardInput> {
  id: string
  created_at: Date | string
}

export interface OrphanInput {
  transaction_id: string
  session_id: string
  provider_id?: string | null
  kind: "sale" | "pre_auth"
  amount: string
  currency_code: string
  reason: string
}

export type OrphanStatus = "open" | "refunding" | "refunded" | "released" | "unknown" | "dismissed"

export interface OrphanRecord extends Required<OrphanInput> {
  id: string
  status: OrphanStatus
  operation_id: string | null
  resolution: Record<string, unknown> | null
  created_at: Date | string
}

/** Another unsettled operation blocks this one (a refund or a card payment whose outcome is not known yet). */
export class OperationConflictError extends Error {
  constructor(readonly blocking: OperationRecord) {
    super(`operation ${blocking.key} is still ${blocking.status}`)
    this.name = "OperationConflictError"
  }
}

export interface PaymentOptionsStore {
  /**
   * Writes an intent before its gateway call. Returns the existing row (created: false) when the same key was begun
   * before; throws OperationConflictError when another unsettled operation blocks it.
   */
  beginOperation(input: BeginOperationInput): Promise<{ operation: OperationRecord; created: boolean }>
  updateOperation(id: string, patch: OperationPatch): Promise<OperationRecord>
  findOperation(key: string): Promise<OperationRecord | null>
  operationsWhere(filter: { session_id?: string; parent_transaction_id?: string; transaction_id?: string; kind?: OperationKind[] }): Promise<OperationRecord[]>
  countCardAttempts(filter: { session_id?: string; client_ip?: string; since?: Date }): Promise<number>

  recordWebhookTransaction(input: WebhookTransactionInput): Promise<{ record: WebhookTransactionRecord; first: boolean }>
  webhookTransactionsOf(sessionId: string): Promise<WebhookTransactionRecord[]>

  saveCard(input: SavedCardInput): Promise<SavedCardRecord>
  savedCard(id: string): Promise<SavedCardRecord | null>
  listSavedCardsOf(accountHolderId: string): Promise<SavedCardRecord[]>
  removeSavedCard(id: string): Promise<void>
  removeSavedCardsOf(accountHolderId: string): Promise<void>

  recordOrphan(input: OrphanInput): Promise<{ orphan: OrphanRecord; created: boolean }>

  /** Succeeded refund total (decimal string) and the unsettled refund operations of a captured transaction. */
  refundTotals(parentTransactionId: string): Promise<{ succeeded: string; open: OperationRecord[] }>

  setClientIp(sessionId: string, clientIp: string): Promise<void>
  clientIpOf(sessionId: string): Promise<string | null>
}
