import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { isPaymentOptionsProvider } from "../providers/paymentoptions/context"

export type GuardNewPaymentSessionInput = { payment_collection_id: string }

/**
 * Medusa's store route for a new payment session deletes the collection's other sessions first, whatever they hold.
 * Once the cart is an order, deleting its PaymentOptions session would release the order's hold (anyone with the
 * collection id could undo a placed order's payment): refused. Returns the cart to lock when the collection has
 * PaymentOptions sessions (none otherwise: other providers' collections are not this plugin's business).
 */
export const guardNewPaymentSessionStep = createStep("paymentoptions-guard-new-payment-session", async (input: GuardNewPaymentSessionInput, { container }) => {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const {
    data: [collection],
  } = await query.graph({
    entity: "payment_collection",
    fields: ["id", "payment_sessions.provider_id", "payments.provider_id", "payments.canceled_at", "cart.id", "cart.completed_at"],
    filters: { id: input.payment_collection_id },
  })
  const ours = [...(collection?.payment_sessions ?? []), ...(collection?.payments ?? [])].some((s: any) => s && isPaymentOptionsProvider(s.provider_id))
  if (!ours) return new StepResponse<{ cart_id: string | null }>({ cart_id: null })
  const cart = (collection as any)?.cart
  const paid = (collection?.payments ?? []).some((p: any) => p && !p.canceled_at && isPaymentOptionsProvider(p.provider_id))
  if (cart?.completed_at || (!cart && paid)) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `Payment collection ${input.payment_collection_id} is already paid by a placed order; it takes no new payment session. Start a new cart to pay again.`
    )
  }
  return new StepResponse<{ cart_id: string | null }>({ cart_id: cart?.id ?? null })
})

export const guardNewPaymentSessionWorkflow = createWorkflow("paymentoptions-guard-new-payment-session", (input: GuardNewPaymentSessionInput) => {
  return new WorkflowResponse(guardNewPaymentSessionStep(input))
})
