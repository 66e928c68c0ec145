import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { cancelShortfalls } from "./helpers/cancel-shortfall"

/**
 * After an order is canceled: if its cancel booked refunds the gateway did not make (a provider refusal or an outage
 * during the cancel, which Medusa swallows), says so loudly. Reconciliation lists it with the one-click fix.
 */
export const checkCanceledOrderStep = createStep("paymentoptions-check-canceled-order", async (input: { order_id: string }, { container }) => {
  const [gap] = await cancelShortfalls(container, { id: input.order_id }, 1)
  if (gap) {
    container
      .resolve(ContainerRegistrationKeys.LOGGER)
      .error(
        `PaymentOptions: the cancel of order ${gap.order_id} booked ${gap.booked} ${gap.currency_code.toUpperCase()} as refunded but only ${gap.refunded} was refunded. ` +
          `Refund the difference with POST /admin/paymentoptions/orders/${gap.order_id}/refund-cancel-shortfall (or the order's PaymentOptions panel).`
      )
  }
  return new StepResponse(gap ?? null)
})

export const checkCanceledOrderWorkflow = createWorkflow("paymentoptions-check-canceled-order", (input: { order_id: string }) => {
  return new WorkflowResponse(checkCanceledOrderStep(input))
})
