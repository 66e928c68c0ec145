import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { isPaymentOptionsProvider } from "../providers/paymentoptions/context"
import { withPaymentLock } from "./helpers/locks"
import { settleAndSyncLedger } from "./helpers/payment-ledger"

export type GuardOrderCancelInput = {
  order_id: string
  /** The caller holds the order's and its payments' locks already (the cancel route's middleware). */
  locked?: boolean
}

/**
 * Run before Medusa cancels an order (the plugin's middleware on POST /admin/orders/:id/cancel). Medusa's cancel
 * books the refund of every captured payment even when the provider refuses it, so a cancel that would be refused
 * is stopped here first: a PaymentOptions payment with a refund whose outcome is still unknown (after asking the
 * gateway) cannot take the cancel's refund.
 */
export const guardOrderCancelStep = createStep("paymentoptions-guard-order-cancel", async (input: GuardOrderCancelInput, { container }) => {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const {
    data: [order],
  } = await query.graph({
    entity: "order",
    fields: ["id", "status", "payment_collections.payments.id", "payment_collections.payments.provider_id", "payment_collections.payments.captures.id"],
    filters: { id: input.order_id },
  })
  if (!order || order.status === "canceled") return new StepResponse({ checked: [] as string[] })
  const payments = (order.payment_collections ?? [])
    .flatMap((pc: any) => pc?.payments ?? [])
    .filter((p: any) => p && isPaymentOptionsProvider(p.provider_id) && (p.captures ?? []).length)
  for (const p of payments) {
    const ledger = input.locked
      ? await settleAndSyncLedger(container, p.id)
      : await withPaymentLock(container, p.id, () => settleAndSyncLedger(container, p.id))
    const open = Object.entries(ledger.refunds).filter(([, r]) => r.status === "pending")
    if (open.length) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `Order ${order.id} cannot be canceled yet: refund ${open.map(([id]) => id).join(", ")} on PaymentOptions payment ${p.id} has an unknown ` +
          "outcome at the gateway, so the cancel's refund would be refused while Medusa still booked it. Settle it first " +
          "(Check now in the order's PaymentOptions panel, or resolve it), then cancel."
      )
    }
  }
  return new StepResponse({ checked: payments.map((p: any) => p.id as string) })
})

export const guardOrderCancelWorkflow = createWorkflow("paymentoptions-guard-order-cancel", (input: GuardOrderCancelInput) => {
  return new WorkflowResponse(guardOrderCancelStep(input))
})
