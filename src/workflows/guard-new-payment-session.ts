import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { isPaymentOptionsProvider } from "../providers/paymentoptions/context"

export type GuardNewPaymentSessionInput = { payment_collection_id: string }

/**
 * Medusa's store route for a new payment session deletes the collection's other sessions first, whatever they hold.
 * On a collection paid through PaymentOptions (a payment Medusa recorded and did not cancel: an order's), that
 * deletion would release the order's hold, so anyone with the collection id could undo a placed order's payment.
 * Refused instead: a paid collection takes no new session.
 */
export const guardNewPaymentSessionStep = createStep("paymentoptions-guard-new-payment-session", async (input: GuardNewPaymentSessionInput, { container }) => {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const {
    data: [collection],
  } = await query.graph({
    entity: "payment_collection",
    fields: ["id", "payments.id", "payments.provider_id", "payments.canceled_at"],
    filters: { id: input.payment_collection_id },
  })
  const paid = (collection?.payments ?? []).find((p: any) => p && !p.canceled_at && isPaymentOptionsProvider(p.provider_id))
  if (paid) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `Payment collection ${input.payment_collection_id} is already paid (payment ${paid.id}); it takes no new payment session. ` +
        "Start a new cart to pay again."
    )
  }
  return new StepResponse(true)
})

export const guardNewPaymentSessionWorkflow = createWorkflow("paymentoptions-guard-new-payment-session", (input: GuardNewPaymentSessionInput) => {
  return new WorkflowResponse(guardNewPaymentSessionStep(input))
})
