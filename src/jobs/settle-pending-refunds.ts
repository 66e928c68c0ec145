import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { findSettleWorkWorkflow } from "../workflows/find-settle-work"
import { refundOrphanPaymentWorkflow } from "../workflows/refund-orphan-payment"
import { refundReceivedReturnWorkflow } from "../workflows/refund-received-return"
import { settlePaymentRefundsWorkflow } from "../workflows/settle-payment-refunds"

/** At most this many payments (and waiting return refunds, and orphans) are handled per run. */
export const SETTLE_BATCH = 50

/**
 * Every 5 minutes (env PAYMENTOPTIONS_SETTLE_CRON overrides the schedule): settles PaymentOptions refunds with an
 * unknown outcome that have a gateway id from Transaction Status (each under its payment's lock: safe with a server
 * and a worker, or several instances), retries return refunds that waited for such a refund, and refunds orphan
 * payments when `refundOrphanedPayments` is on. Never sends a refund twice. Logs one summary line.
 */
export default async function settlePendingRefundsJob(container: MedusaContainer) {
  const logger = container.resolve(ContainerRegistrationKeys.LOGGER)
  const started = Date.now()
  const { result: work } = await findSettleWorkWorkflow(container).run({ input: { limit: SETTLE_BATCH } })
  const settled: string[] = []
  let stillPending = 0
  let errors = 0
  for (const id of work.payment_ids) {
    try {
      const { result } = await settlePaymentRefundsWorkflow(container).run({ input: { payment_id: id } })
      settled.push(...result.changed.map((refundId) => `${refundId}:${result.refunds[refundId].status}`))
      stillPending += Object.values(result.refunds).filter((r) => r.status === "pending").length
    } catch (error) {
      errors++
      logger.warn(`PaymentOptions settle job: payment ${id}: ${(error as Error)?.message ?? String(error)}`)
    }
  }
  for (const returnId of work.waiting_returns) {
    await refundReceivedReturnWorkflow(container)
      .run({ input: { return_id: returnId, retry: true }, context: { transactionId: `paymentoptions-return-refund:${returnId}:retry:${Date.now()}` } })
      .catch((error) => {
        errors++
        logger.warn(`PaymentOptions settle job: return ${returnId}: ${(error as Error)?.message ?? String(error)}`)
      })
  }
  for (const orphanId of work.orphans_to_refund) {
    await refundOrphanPaymentWorkflow(container)
      .run({ input: { orphan_id: orphanId, by: null } })
      .catch((error) => {
        errors++
        logger.warn(`PaymentOptions settle job: orphan ${orphanId}: ${(error as Error)?.message ?? String(error)}`)
      })
  }
  const total = work.payment_ids.length + work.waiting_returns.length + work.orphans_to_refund.length
  if (!total) {
    logger.debug("PaymentOptions settle job: nothing to do.")
  } else {
    logger.info(
      `PaymentOptions settle job: checked ${work.payment_ids.length} payment(s), settled ${settled.length} refund(s)` +
        `${settled.length ? ` (${settled.join(", ")})` : ""}, ${stillPending} still pending, ${work.waiting_returns.length} return refund(s) retried, ` +
        `${work.orphans_to_refund.length} orphan(s) refunded, ${errors} error(s), ${Date.now() - started} ms.`
    )
  }
  return { checked: work.payment_ids, settled, still_pending: stillPending, errors }
}

/**
 * PAYMENTOPTIONS_SETTLE_CRON changes the schedule (keep runs less than 24 days apart: Medusa's in-memory workflow
 * engine puts the delay in one setTimeout, and a longer one overflows and fires at once, in a loop).
 * PAYMENTOPTIONS_SETTLE_JOB=off registers the job but never runs it (numberOfExecutions 0), e.g. in tests that run it by hand.
 */
export const config = {
  name: "paymentoptions-settle-pending-refunds",
  schedule: process.env.PAYMENTOPTIONS_SETTLE_CRON || "*/5 * * * *",
  ...(process.env.PAYMENTOPTIONS_SETTLE_JOB === "off" ? { numberOfExecutions: 0 } : {}),
}
