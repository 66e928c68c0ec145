import { MedusaError } from "@medusajs/framework/utils"
import type { OperationKind, OperationRecord } from "../../modules/paymentoptions/types"
import { MaskedCard } from "./masking"
import { RefundStatus } from "./status"

/**
 * The keys this provider keeps in `payment_session.data` / `payment.data`. The store API shows session data to the
 * storefront, so nothing secret is here: PRE_AUTH ids and card tokens live in the plugin module's operation log.
 * Medusa deep-merges what a method returns into what is stored: methods return only the keys they change.
 */
export interface RefundRecord {
  /** Gateway sequence number of the refund (`transaction_details.ref`), as shown in the PaymentOptions portal. */
  ref: string | null
  /** The refund's own gateway transaction id; null when the gateway never told us (timeout). */
  transaction_id: string | null
  status: RefundStatus
  amount: string
  currency_code: string
  code: string | null
  message: string | null
  created_at: string
  settled_at?: string | null
  resolution?: {
    by: string | null
    note: string
    at: string
    /** An operator paid a failed refund back outside Medusa (e.g. in the PaymentOptions portal). */
    paid_back?: { by: string | null; note: string; at: string }
  } | null
}

/** A 3-D Secure challenge the shopper has not finished yet (its transaction id stays in the operation log). */
export interface ThreeDsState {
  redirect_url: string
  kind: "sale" | "pre_auth"
  started_at: string
}

/** A gateway call whose outcome is not known yet: settled from the gateway, never sent again. */
export interface AttemptState {
  kind: OperationKind
  status: "pending" | "unknown"
  started_at: string
  message: string
}

export interface GatewayFacts {
  code: string | null
  message: string | null
  response_code: number | null
}

export interface PaymentOptionsData {
  session_id?: string
  /** "hpp": hosted payment page; "s2s": server to server (a saved card or card data). */
  checkout?: "hpp" | "s2s"
  currency_code?: string
  /** Authorized amount until capture, then the captured amount (major units, decimal string, the gateway's decimals). */
  amount?: string
  /** The amount exactly as Medusa has it (may have more decimals than the currency, e.g. after tax). */
  medusa_amount?: string
  merchant_txn_ref?: string
  hpp_link_id?: string
  redirect_url?: string
  /** The saved card (`pocard_…`) this session pays with; its token never leaves the plugin module. */
  payment_method_id?: string
  /** The shopper asked to save the card (logged-in customers only). */
  save_card?: boolean
  /** The Medusa account holder of the logged-in customer who started the session. */
  account_holder_id?: string
  /** The captured transaction (sale or capture id): what refunds are made against. */
  transaction_id?: string
  transaction_ref?: string | null
  authorized_at?: string | null
  /** When Medusa's authorizePaymentSession was answered authorized/captured: Medusa then recorded a payment (an order's). */
  payment_recorded_at?: string | null
  captured_at?: string | null
  canceled_at?: string | null
  three_ds?: ThreeDsState | null
  attempt?: AttemptState | null
  card?: MaskedCard | null
  last_error?: GatewayFacts | null
  refunds?: Record<string, RefundRecord>
  /** Sum of the succeeded refunds (derived from the operation log at each write). */
  refunded_amount?: string
  [key: string]: unknown
}

const STRING_KEYS = [
  "session_id",
  "currency_code",
  "amount",
  "medusa_amount",
  "payment_recorded_at",
  "merchant_txn_ref",
  "hpp_link_id",
  "payment_method_id",
  "account_holder_id",
  "transaction_id",
] as const

/**
 * Reads the keys the provider relies on and checks their types (a cheap hand check: this runs on every call, and
 * the refund ledger is never re-read here, so its size does not matter).
 */
export function readPaymentData(data: Record<string, unknown> | undefined | null): PaymentOptionsData {
  const d = (data ?? {}) as PaymentOptionsData
  const bad: string[] = []
  for (const key of STRING_KEYS) {
    const v = d[key]
    if (v !== undefined && v !== null && typeof v !== "string") bad.push(key)
  }
  if (d.checkout !== undefined && d.checkout !== "hpp" && d.checkout !== "s2s") bad.push("checkout")
  if (d.save_card !== undefined && typeof d.save_card !== "boolean") bad.push("save_card")
  const t = d.three_ds
  if (t !== undefined && t !== null && (typeof t !== "object" || typeof t.redirect_url !== "string" || (t.kind !== "sale" && t.kind !== "pre_auth"))) {
    bad.push("three_ds")
  }
  if (bad.length) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `PaymentOptions: the stored payment data is malformed at ${bad.join(", ")}; it was not written by this provider.`
    )
  }
  return d
}

/** The status a refund operation has in its `payment.data.refunds` record. */
export function refundRecordStatus(op: OperationRecord): RefundStatus {
  return op.status === "succeeded" ? "succeeded" : op.status === "declined" ? "failed" : "pending"
}

/** A refund operation as its record in `payment.data.refunds`. */
export function refundRecordOf(op: OperationRecord): RefundRecord {
  const record: RefundRecord = {
    ref: op.transaction_ref,
    transaction_id: op.transaction_id,
    status: refundRecordStatus(op),
    amount: op.amount,
    currency_code: op.currency_code,
    code: op.code,
    message: op.message,
    created_at: isoOf(op.created_at) ?? new Date().toISOString(),
  }
  // Optional keys added in place (every refund builds at least one record).
  if (op.settled_at) record.settled_at = isoOf(op.settled_at)
  if (op.resolution) record.resolution = op.resolution as RefundRecord["resolution"]
  return record
}

function isoOf(v: Date | string | null | undefined): string | null {
  return v instanceof Date ? v.toISOString() : v ?? null
}
