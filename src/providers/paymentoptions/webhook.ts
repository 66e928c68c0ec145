import { Logger, ProviderWebhookPayload, WebhookActionResult } from "@medusajs/framework/types"
import { BigNumber, PaymentActions } from "@medusajs/framework/utils"
import { PaymentOptionsClient } from "./client"
import { PaymentOptionsError, toMedusaError } from "./errors"
import { normalizeAmount } from "./money"
import { ResolvedOptions } from "./options"
import { readPaymentData } from "./payment-data"
import { TransactionEnvelope } from "./schemas"
import { outcomeOf } from "./status"
import { hasValidSignature } from "./webhook-signature"

/** What the webhook check needs of the payment module's session service. */
export interface PaymentSessions {
  retrieve(id: string, config?: object): Promise<any>
  update(data: object): Promise<unknown>
}

/** What the webhook check needs of the payment module's payment service. */
export interface PaymentRecords {
  list(filters: object, config?: object): Promise<any[]>
  update(data: object): Promise<unknown>
}

export interface WebhookDeps {
  client: PaymentOptionsClient
  options: ResolvedOptions
  logger: Logger
  sessions: PaymentSessions | null
  payments: PaymentRecords | null
}

const IGNORED: WebhookActionResult = { action: PaymentActions.NOT_SUPPORTED }

/**
 * Turns a gateway webhook into a Medusa payment action. The payload is unsigned (API.md §10): only its
 * transaction id is read, and only what Transaction Status says with our credentials counts.
 */
export async function webhookAction(deps: WebhookDeps, payload: ProviderWebhookPayload["payload"]): Promise<WebhookActionResult> {
  const { client, options, logger } = deps
  if (options.webhookSecret && !hasValidSignature(options.webhookSecret, payload?.rawData, payload?.headers)) {
    logger.warn("PaymentOptions webhook did not come through the URL that carries the webhook secret; ignored.")
    return IGNORED
  }
  const body = (payload?.data ?? {}) as Record<string, any>
  const transactionId = typeof body?.transaction_details?.id === "string" ? body.transaction_details.id : null
  const claimedRef = body?.merchant_details?.merchant_txn_ref ?? body?.transaction_details?.merchant_txn_ref
  if (!transactionId || transactionId.length > 64) return IGNORED

  let envelope: TransactionEnvelope
  try {
    envelope = await client.getTransactionStatus(transactionId)
  } catch (error) {
    if (error instanceof PaymentOptionsError && error.kind === "not_found") {
      logger.warn(`PaymentOptions webhook names unknown transaction ${transactionId}; ignored.`)
      return IGNORED
    }
    throw toMedusaError(error) // transient: Medusa's subscriber retries
  }
  const sessionId = envelope.merchant_details?.merchant_txn_ref ?? envelope.transaction_details?.merchant_txn_ref
  const mid = envelope.merchant_details?.mid
  if (!sessionId || (claimedRef && claimedRef !== sessionId) || (mid && mid !== options.merchantId)) {
    logger.warn(`PaymentOptions webhook for transaction ${transactionId} does not match this merchant or session; ignored.`)
    return IGNORED
  }
  const type = (envelope.transaction_type ?? "").toUpperCase()
  if (type === "REFUND") {
    await linkRefund(deps, sessionId, transactionId, envelope)
    return IGNORED // Medusa has no refund action; the refund is settled by the plugin's reconciliation
  }
  if (type === "VOID") return IGNORED

  const currency = envelope.payment_details?.currency?.toLowerCase()
  const paid = envelope.payment_details?.amount
  if (!currency || paid === undefined || paid === null) return IGNORED
  if (!(await matchesSession(deps, sessionId, transactionId, envelope))) return IGNORED

  const outcome = outcomeOf(envelope)
  const action =
    outcome === "succeeded"
      ? type === "PRE_AUTH"
        ? PaymentActions.AUTHORIZED
        : PaymentActions.SUCCESSFUL
      : outcome === "pending"
        ? PaymentActions.PENDING
        : PaymentActions.FAILED
  return { action, data: { session_id: sessionId, amount: new BigNumber(normalizeAmount(paid, currency)) } }
}

/**
 * Checks a verified transaction against the payment session it names (provider, amount, currency) and
 * records its id there when the session does not know it yet (a 3-D Secure answer without an id, or a
 * hosted-page sale whose id is not the link's), so authorizePayment can settle it from Transaction Status.
 * Without access to the session service nothing can be checked here; authorizePayment still checks.
 */
async function matchesSession(
  { sessions, logger }: WebhookDeps,
  sessionId: string,
  transactionId: string,
  envelope: TransactionEnvelope
): Promise<boolean> {
  if (!sessions) return true
  let session: { data?: Record<string, unknown> | null; amount?: unknown; raw_amount?: unknown; currency_code?: string; provider_id?: string }
  try {
    session = await sessions.retrieve(sessionId, { select: ["id", "data", "amount", "raw_amount", "currency_code", "provider_id"] })
  } catch {
    logger.warn(`PaymentOptions webhook for transaction ${transactionId} names unknown payment session ${sessionId}; ignored.`)
    return false
  }
  const currencyCode = String(session.currency_code ?? "").toLowerCase()
  const paid = envelope.payment_details?.amount
  const sameAmount =
    paid !== null && paid !== undefined && normalizeAmount(paid, currencyCode) === normalizeAmount((session.raw_amount ?? session.amount) as any, currencyCode)
  if (!String(session.provider_id ?? "").startsWith("pp_paymentoptions_") || envelope.payment_details?.currency?.toLowerCase() !== currencyCode || !sameAmount) {
    logger.warn(`PaymentOptions webhook transaction ${transactionId} does not match payment session ${sessionId} (provider, amount or currency); ignored.`)
    return false
  }
  const data = readPaymentData(session.data ?? {})
  const known = [data.transaction_id, data.authorization_id, data.hpp_link_id, data.three_ds?.transaction_id, data.webhook_transaction_id]
  if (!known.includes(transactionId)) {
    await sessions.update({ id: sessionId, data: { ...(session.data ?? {}), webhook_transaction_id: transactionId } })
  }
  return true
}

/**
 * A refund whose answer was lost (a timeout after the gateway committed it) is recorded pending with no
 * gateway id, so nothing could ask the gateway about it. When the gateway announces a refund on the payment,
 * the provider gives that record the refund's id; settling (the next refund, the job, the admin's
 * Check now) then asks Transaction Status. Only one refund can be pending per payment (others are
 * refused meanwhile), so the amount identifies it.
 */
async function linkRefund(
  { payments, logger }: WebhookDeps,
  sessionId: string,
  transactionId: string,
  envelope: TransactionEnvelope
): Promise<void> {
  if (!payments) return
  const currency = envelope.payment_details?.currency?.toLowerCase()
  const refunded = envelope.payment_details?.amount
  if (!currency || refunded === undefined || refunded === null) return
  const [payment] = await payments.list({ payment_session_id: sessionId }, { select: ["id", "data", "provider_id"] })
  if (!payment || !String(payment.provider_id ?? "").startsWith("pp_paymentoptions_")) return
  const data = readPaymentData(payment.data)
  const refunds = data.refunds ?? {}
  if (Object.values(refunds).some((r) => r.transaction_id === transactionId)) return // already known
  const amount = normalizeAmount(refunded, currency)
  const orphans = Object.entries(refunds).filter(([, r]) => r.status === "pending" && !r.transaction_id && r.amount === amount)
  if (orphans.length !== 1) return
  const [refundId, record] = orphans[0]
  await payments.update({
    id: payment.id,
    data: { ...payment.data, refunds: { ...refunds, [refundId]: { ...record, transaction_id: transactionId } } },
  })
  logger.info(`PaymentOptions webhook named gateway transaction ${transactionId} for pending refund ${refundId}; it can now be settled.`)
}
