import { ProviderWebhookPayload, WebhookActionResult } from "@medusajs/framework/types"
import { BigNumber, MathBN, PaymentActions } from "@medusajs/framework/utils"
import type { GatewayContext } from "./context"
import { PaymentOptionsError, toMedusaError } from "./errors"
import { isUnsettled, shortId } from "./gateway-ops"
import { normalizeAmount } from "./money"
import type { TransactionEnvelope } from "./schemas"
import { outcomeOf } from "./status"
import { hasValidSignature } from "./webhook-signature"

const IGNORED: WebhookActionResult = { action: PaymentActions.NOT_SUPPORTED }

export interface VerifiedWebhook {
  transactionId: string
  sessionId: string
  type: string
  envelope: TransactionEnvelope
}

/**
 * The transaction a webhook names, as Transaction Status tells it with our credentials (the payload is unsigned,
 * API.md §10: only its transaction id is read). Null when it is not ours or not a transaction at all.
 */
export async function verifyWebhook(ctx: GatewayContext, payload: ProviderWebhookPayload["payload"]): Promise<VerifiedWebhook | null> {
  const { options, logger } = ctx
  if (options.webhookSecret && !hasValidSignature(options.webhookSecret, payload?.rawData, payload?.headers)) {
    logger.warn("PaymentOptions webhook did not come through the URL that carries the webhook secret; ignored.")
    return null
  }
  const body = (payload?.data ?? {}) as Record<string, any>
  const transactionId = typeof body?.transaction_details?.id === "string" ? body.transaction_details.id : null
  const claimedRef = body?.merchant_details?.merchant_txn_ref ?? body?.transaction_details?.merchant_txn_ref
  if (!transactionId || transactionId.length > 64) return null

  let envelope: TransactionEnvelope
  try {
    envelope = await ctx.client.getTransactionStatus(transactionId)
  } catch (error) {
    if (error instanceof PaymentOptionsError && error.kind === "not_found") {
      logger.warn(`PaymentOptions webhook names unknown transaction ${shortId(transactionId)}; ignored.`)
      return null
    }
    throw toMedusaError(error) // transient: Medusa's subscriber retries
  }
  const sessionId = envelope.merchant_details?.merchant_txn_ref ?? envelope.transaction_details?.merchant_txn_ref
  const mid = envelope.merchant_details?.mid
  if (!sessionId || (claimedRef && claimedRef !== sessionId) || (mid && mid !== options.merchantId)) {
    logger.warn(`PaymentOptions webhook for transaction ${shortId(transactionId)} does not match this merchant or session; ignored.`)
    return null
  }
  return { transactionId, sessionId, type: (envelope.transaction_type ?? "").toUpperCase(), envelope }
}

/**
 * Turns a verified webhook into a Medusa payment action, keeping every verified transaction id on record for its
 * session (authorizePayment and capturePayment settle from them, the succeeded one preferred). Refunds are linked
 * to the refund whose answer was lost; Medusa has no refund action.
 */
export async function webhookAction(ctx: GatewayContext, payload: ProviderWebhookPayload["payload"]): Promise<WebhookActionResult> {
  const verified = await verifyWebhook(ctx, payload)
  if (!verified) return IGNORED
  const { transactionId, sessionId, type, envelope } = verified
  const outcome = outcomeOf(envelope)
  const currency = envelope.payment_details?.currency?.toLowerCase() ?? null
  const paid = envelope.payment_details?.amount
  const amount = currency && paid !== undefined && paid !== null ? normalizeAmount(paid, currency) : null
  await ctx.store.recordWebhookTransaction({
    transaction_id: transactionId,
    session_id: sessionId,
    provider_id: ctx.providerId,
    type: type || "UNKNOWN",
    outcome,
    amount,
    currency_code: currency,
  })
  if (type === "REFUND") {
    await linkRefund(ctx, sessionId, transactionId, amount)
    return IGNORED
  }
  if (type === "VOID" || !amount) return IGNORED
  const action =
    outcome === "succeeded"
      ? type === "PRE_AUTH"
        ? PaymentActions.AUTHORIZED
        : PaymentActions.SUCCESSFUL
      : outcome === "pending"
        ? PaymentActions.PENDING
        : PaymentActions.FAILED
  return { action, data: { session_id: sessionId, amount: new BigNumber(amount) } }
}

/**
 * A refund whose answer was lost has no gateway id, so nothing could ask the gateway about it. When the gateway
 * announces a refund on the session, the one refund without an id and with that amount (at most one can be unsettled
 * per transaction) gets the id and becomes pending again if an operator had resolved it: settling it (the plugin's
 * webhook workflow, Check now or the job, each under the payment's lock) then asks the gateway and writes the ledger.
 * Only the operation's row is written here.
 */
export async function linkRefund(
  ctx: GatewayContext,
  sessionId: string,
  transactionId: string,
  amount: string | null
): Promise<void> {
  if (!amount) return
  const refunds = await ctx.store.operationsWhere({ session_id: sessionId, kind: ["refund"] })
  if (refunds.some((op) => op.transaction_id === transactionId)) return
  const candidates = refunds.filter((op) => !op.transaction_id && MathBN.eq(op.amount, amount) && (isUnsettled(op) || op.resolution))
  if (candidates.length !== 1) return
  const [op] = candidates
  try {
    await ctx.store.updateOperation(op.id, { transaction_id: transactionId, status: "pending" })
  } catch (error) {
    // Reopening a resolved refund while another refund of the transaction is unsettled: the index refuses; later.
    ctx.logger.warn(`PaymentOptions could not link gateway refund ${shortId(transactionId)} to refund ${op.medusa_id ?? op.key} yet: ${(error as Error).message}`)
    return
  }
  ctx.logger.info(`PaymentOptions webhook named gateway transaction ${shortId(transactionId)} for refund ${op.medusa_id ?? op.key}; it can now be settled.`)
}
