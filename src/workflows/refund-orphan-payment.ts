import type { Logger } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, transform, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { acquireLockStep, releaseLockStep } from "@medusajs/medusa/core-flows"
import { PAYMENTOPTIONS_MODULE } from "../modules/paymentoptions"
import type PaymentOptionsModuleService from "../modules/paymentoptions/service"
import type { OperationRecord } from "../modules/paymentoptions/types"
import { voidAuthorization } from "../providers/paymentoptions/authorization"
import { gatewayContextFor } from "../providers/paymentoptions/context"
import { refundTransaction } from "../providers/paymentoptions/refund"
import { LOCK_TIMEOUT_SECONDS, LOCK_TTL_SECONDS } from "./helpers/locks"
import { orderPaymentOfSession } from "./helpers/session-payment"

export type RefundOrphanPaymentInput = { orphan_id: string; by?: string | null }

/**
 * Gives back money the gateway took for a payment session that leads to no order: a sale is refunded in full, a
 * PRE_AUTH hold is voided, through the same operation log as every other money call (`refund:orphan_<id>`), so a
 * second click, the job and the automatic option can only ever send it once.
 */
export const refundOrphanPaymentStep = createStep("paymentoptions-refund-orphan-payment", async (input: RefundOrphanPaymentInput, { container }) => {
  const module = container.resolve<PaymentOptionsModuleService>(PAYMENTOPTIONS_MODULE)
  const [row] = await module.listOrphanPayments({ id: input.orphan_id } as any, { take: 1 })
  if (!row) throw new MedusaError(MedusaError.Types.NOT_FOUND, `No PaymentOptions orphan payment ${input.orphan_id}.`)
  const orphan = module.toOrphan(row)
  if (!["open", "refunding", "unknown"].includes(orphan.status)) {
    throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `Orphan payment ${orphan.id} is already ${orphan.status}.`)
  }
  const owner = orphan.session_id ? await orderPaymentOfSession(container, orphan.session_id) : undefined
  if (owner) {
    // Not an orphan after all: taken off the list, and refunded (if ever) from its order.
    await module.updateOrphanPayments({ id: orphan.id, status: "dismissed", resolution: { by: input.by ?? null, at: new Date().toISOString(), note: `order ${owner.order_id}` } } as any)
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `Orphan payment ${orphan.id}: transaction ${orphan.transaction_id} belongs to order ${owner.order_id} (payment ${owner.id}); ` +
        "it is not refunded from here and is dismissed from the orphan list. Refund or cancel that order instead."
    )
  }
  const logger = container.resolve<Logger>(ContainerRegistrationKeys.LOGGER)
  const ctx = gatewayContextFor(orphan.provider_id ?? "", logger)
  const data = {
    session_id: orphan.session_id,
    merchant_txn_ref: orphan.session_id,
    transaction_id: orphan.transaction_id,
    amount: orphan.amount,
    currency_code: orphan.currency_code,
  }
  await module.updateOrphanPayments({ id: orphan.id, status: "refunding" } as any)
  const at = new Date().toISOString()
  try {
    if (orphan.kind === "pre_auth") {
      const authorization = { transaction_id: orphan.transaction_id, amount: orphan.amount, session_id: orphan.session_id } as OperationRecord
      const released = await voidAuthorization(ctx, data, authorization)
      const status = released.status === "succeeded" ? "released" : "unknown"
      await module.updateOrphanPayments({ id: orphan.id, status, operation_id: released.operation.id, resolution: { by: input.by ?? null, at } } as any)
      return new StepResponse({ orphan_id: orphan.id, status })
    }
    const { record } = await refundTransaction(ctx, data, orphan.amount, `orphan_${orphan.id}`)
    const status = record.status === "succeeded" ? "refunded" : "unknown"
    const op = await ctx.store.findOperation(`refund:orphan_${orphan.id}`)
    await module.updateOrphanPayments({ id: orphan.id, status, operation_id: op?.id ?? null, resolution: { by: input.by ?? null, at } } as any)
    logger.info(`PaymentOptions orphan payment ${orphan.id} (transaction ${orphan.transaction_id}): ${status} by ${input.by ?? "the automatic option"}.`)
    return new StepResponse({ orphan_id: orphan.id, status })
  } catch (error) {
    await module.updateOrphanPayments({ id: orphan.id, status: "open" } as any)
    throw error
  }
})

export const refundOrphanPaymentWorkflow = createWorkflow("paymentoptions-refund-orphan-payment", (input: RefundOrphanPaymentInput) => {
  const key = transform({ input }, ({ input }) => `paymentoptions:orphan:${input.orphan_id}`)
  acquireLockStep({ key, timeout: LOCK_TIMEOUT_SECONDS, ttl: LOCK_TTL_SECONDS })
  const result = refundOrphanPaymentStep(input)
  releaseLockStep({ key })
  return new WorkflowResponse(result)
})
