// Response bodies: the documented transaction envelope (API.md §4) and the sandbox's
// chosen failure shape (the real gateway's failure bodies are undocumented).
import { majorNumber } from "./money"
import type { TxnRecord } from "./state"
import type { TransactionType } from "./types"

export const LEGAL_NAME = "Sandbox Merchant KK"

const RESPONSE_TEXT: Record<number, string> = {
  0: "The transaction was completed successfully.",
  5: "Do not honour",
  12: "Invalid transaction",
  51: "Insufficient funds",
  68: "Time out",
  578: "Transaction pending",
  836: "Amount greater than pre-authorised",
  937: "Card authentication failed",
  [-8019]: "Insufficient refund balance",
}

export function responseText(code: number): string {
  return RESPONSE_TEXT[code] ?? "Declined"
}

/** Success code/message per operation (sales and authorizations both answer INFO0000). */
function successInfo(t: TxnRecord): { code: string; message: string } {
  if (t.type === "REFUND") return { code: "INFO0002", message: "Amount successfully refunded." }
  if (t.type === "VOID") return { code: "INFO0003", message: "Authorization Successfully Cancelled." }
  if (t.source === "capture") return { code: "INFO0001", message: "Amount successfully captured." }
  return { code: "INFO0000", message: "Payment Successful." }
}

export interface EnvelopeOpts {
  merchantId: string
  /** 201 for POST answers, 200 for status lookups and webhooks. */
  statusCode: number
  /** Adds payment_details.responseDescription, as the status endpoint does. */
  forStatus?: boolean
  /** Immediate answer of an unclear/pending/in_progress fault (the committed txn is pending). */
  immediate?: "unclear" | "pending" | "in_progress"
}

export function transactionEnvelope(t: TxnRecord, o: EnvelopeOpts): Record<string, unknown> {
  let success = false
  let responseCode: number | undefined
  let gateway: { type: string; code: string; message: string }
  if (o.immediate === "in_progress") {
    // No response code at all: JSON.stringify drops the undefined field.
    responseCode = undefined
    gateway = { type: "INFO", code: successInfo(t).code, message: "Transaction is being processed." }
  } else if (o.immediate === "unclear") {
    responseCode = 68
    gateway = { type: "ERROR", code: "ERR0204", message: "Transaction result unclear" }
  } else if (o.immediate === "pending") {
    responseCode = 578
    gateway = { type: "ERROR", code: "ERR0204", message: "Transaction pending" }
  } else if (t.status === "pending") {
    responseCode = 578
    gateway = { type: "INFO", code: "PEND0578", message: "Transaction pending" }
  } else if (t.status === "declined") {
    responseCode = t.responseCode
    gateway = { type: "ERROR", code: "ERR0204", message: responseText(t.responseCode) }
  } else {
    success = true
    responseCode = 0
    gateway = { type: "INFO", ...successInfo(t) }
  }

  const additional: Record<string, unknown> = { payment_data_source: { type: "card" } }
  if (t.storedPaymentMethodId) additional.stored_payment_method_id = t.storedPaymentMethodId
  const payment: Record<string, unknown> = {
    amount: majorNumber(t.amountMinor, t.currency),
    response_code: responseCode,
    auth_code: t.status === "declined" ? "" : t.authCode,
    currency: t.currency,
    payment_method: "ECMC-SSL",
    scheme: t.scheme,
    card: { ...t.card }, // full PAN, as the real sandbox echoes it
    additional_data: additional,
  }
  if (o.forStatus && responseCode !== undefined) payment.responseDescription = responseText(responseCode)

  return {
    success,
    status_code: o.statusCode,
    is_live: false,
    transaction_type: t.type,
    gateway_response: { version: "1", ...gateway },
    merchant_details: { legal_name: LEGAL_NAME, mid: o.merchantId, merchant_txn_ref: t.merchantTxnRef },
    payment_details: payment,
    transaction_details: {
      id: t.id,
      ref: t.ref,
      timestamp: t.createdAt,
      merchant_txn_ref: t.merchantTxnRef,
    },
    risk_details: { risk_score: null },
  }
}

export interface Failure {
  status: number
  body: Record<string, unknown>
}

export function failure(
  status: number,
  code: string,
  message: string,
  extra: { transactionType?: TransactionType; responseCode?: number; payment?: Record<string, unknown> } = {},
): Failure {
  const body: Record<string, unknown> = {
    success: false,
    status_code: status,
    is_live: false,
  }
  if (extra.transactionType) body.transaction_type = extra.transactionType
  body.gateway_response = { version: "1", type: "ERROR", code, message }
  if (extra.responseCode !== undefined || extra.payment) {
    body.payment_details = { response_code: extra.responseCode, ...extra.payment }
  }
  return { status, body }
}

export const validation = (message: string, t?: TransactionType): Failure =>
  failure(400, "VAL0035", message, { transactionType: t })

export const wrongState = (message: string, t?: TransactionType): Failure =>
  failure(400, "ERR0204", message, { transactionType: t, responseCode: 12 })

export const notFound = (t?: TransactionType): Failure =>
  failure(404, "ERR0204", "Transaction not found", { transactionType: t })

export const overBalance = (): Failure =>
  failure(400, "ERR3019", "Insufficient refund balance", {
    transactionType: "REFUND",
    responseCode: -8019,
  })

/** AWS-API-Gateway-style bodies (no envelope). */
export const plain = (status: number, message: string): Failure => ({ status, body: { message } })
