import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"
import { MaskedCard } from "./masking"
import { addAmounts, normalizeAmount } from "./money"
import { RefundStatus } from "./status"

/**
 * The keys this provider keeps in `payment.data` / `payment_session.data`. Medusa deep-merges what a
 * method returns into what is stored, so every method returns the whole object with its changes.
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
}

/** A 3-D Secure challenge the shopper has not finished yet. */
export interface ThreeDsState {
  redirect_url: string
  /** The transaction behind the challenge, when the gateway named it (else the verified webhook does). */
  transaction_id: string | null
  /** What the transaction does once authenticated. */
  kind: "sale" | "pre_auth"
  started_at: string
}

export interface PaymentOptionsData {
  session_id?: string
  /** "hpp": hosted payment page; "s2s": server to server (saved card token or card data). */
  checkout?: "hpp" | "s2s"
  currency_code?: string
  /** Authorized amount until capture, then the captured amount (major units, decimal string). */
  amount?: string
  hpp_link_id?: string
  redirect_url?: string
  merchant_txn_ref?: string
  /** The captured transaction (sale or capture id): what refunds are made against. */
  transaction_id?: string
  transaction_ref?: string | null
  /** A PRE_AUTH id, when the payment was authorized separately (null once released by an amount change). */
  authorization_id?: string | null
  void_id?: string
  /** A saved card token (`stored_payment_method_id`); safe to store, unlike the card. */
  stored_payment_method_id?: string
  three_ds?: ThreeDsState | null
  /** A transaction id a verified webhook named for this session (when the gateway's answer did not). */
  webhook_transaction_id?: string
  card?: MaskedCard | null
  captured_at?: string | null
  refunds?: Record<string, RefundRecord>
  /** Running total of succeeded refunds (major units, decimal string). */
  refunded_amount?: string
  [key: string]: unknown
}

const refundRecordSchema = z.looseObject({
  ref: z.string().nullable(),
  transaction_id: z.string().nullable(),
  status: z.enum(["succeeded", "pending", "failed"]),
  amount: z.string(),
  currency_code: z.string(),
})

const optionalString = z.string().optional()

// Every key the provider reads back; other keys (the storefront's, Medusa's) pass through untouched
// because methods return the input data, not this parse.
const storedSchema = z.object({
  session_id: optionalString,
  checkout: z.enum(["hpp", "s2s"]).optional(),
  currency_code: optionalString,
  amount: optionalString,
  hpp_link_id: optionalString,
  merchant_txn_ref: optionalString,
  transaction_id: optionalString,
  authorization_id: z.string().nullish(),
  void_id: optionalString,
  stored_payment_method_id: optionalString,
  webhook_transaction_id: optionalString,
  three_ds: z
    .object({
      redirect_url: z.string(),
      transaction_id: z.string().nullable(),
      kind: z.enum(["sale", "pre_auth"]),
      started_at: z.string(),
    })
    .nullish(),
  refunded_amount: optionalString,
  refunds: z.record(z.string(), refundRecordSchema).optional(),
})

/** Reads the stored data, refusing a record whose money keys were tampered with or corrupted. */
export function readPaymentData(data: Record<string, unknown> | undefined | null): PaymentOptionsData {
  const parsed = storedSchema.safeParse(data ?? {})
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => i.path.join(".")).join(", ")
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `PaymentOptions: the stored payment data is malformed at ${where}; it was not written by this provider.`
    )
  }
  return parsed.data as PaymentOptionsData
}

export function refundedTotal(refunds: Record<string, RefundRecord>, currencyCode: string): string {
  return Object.values(refunds)
    .filter((r) => r.status === "succeeded")
    .reduce((sum, r) => addAmounts(sum, r.amount, currencyCode), normalizeAmount(0, currencyCode))
}

export function pendingRefundIds(refunds: Record<string, RefundRecord>): string[] {
  return Object.entries(refunds)
    .filter(([, r]) => r.status === "pending")
    .map(([id]) => id)
}
