import type { IPaymentModuleService, MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, MedusaError, Modules } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { isPaymentOptionsProvider } from "../providers/paymentoptions/context"

export type SaveCheckoutCardInput = { payment_session_id: string; customer_id: string }

/**
 * Saves the card of a checkout where the logged-in shopper opted in (`save_card`), through the payment module's
 * public `createPaymentMethods` (the provider's savePaymentMethod): the gateway only issues a token with a payment.
 * The session must belong to this customer's account holder.
 */
export async function saveCheckoutCard(container: MedusaContainer, input: SaveCheckoutCardInput): Promise<{ id: string; provider_id: string; data: Record<string, unknown> }> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const {
    data: [session],
  } = await query.graph({ entity: "payment_session", fields: ["id", "provider_id", "data"], filters: { id: input.payment_session_id } })
  const {
    data: [customer],
  } = await query.graph({ entity: "customer", fields: ["id", "email", "account_holders.*"], filters: { id: input.customer_id } })
  const holderId = (session?.data as Record<string, unknown> | undefined)?.account_holder_id
  const holder = (customer?.account_holders ?? []).find((h: any) => h && h.id === holderId && h.provider_id === session?.provider_id)
  if (!session || !isPaymentOptionsProvider(session.provider_id) || !holder) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `No PaymentOptions checkout ${input.payment_session_id} of this customer.`)
  }
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  const method = (await paymentModule.createPaymentMethods({
    provider_id: session.provider_id,
    data: { payment_session_id: session.id },
    context: { account_holder: holder, customer: { id: customer.id, email: customer.email } },
  } as any)) as unknown as { id: string; provider_id: string; data: Record<string, unknown> }
  return method
}

export const saveCheckoutCardStep = createStep("paymentoptions-save-checkout-card", async (input: SaveCheckoutCardInput, { container }) => {
  return new StepResponse(await saveCheckoutCard(container, input))
})

/**
 * When an order is placed, the cards of its PaymentOptions checkouts where the logged-in shopper opted in
 * (`save_card: true`) are saved. A card that cannot be saved is logged, never an error for the order.
 */
export const saveOrderCardsStep = createStep("paymentoptions-save-order-cards", async (input: { order_id: string }, { container }) => {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const {
    data: [order],
  } = await query.graph({
    entity: "order",
    fields: ["id", "customer_id", "payment_collections.payment_sessions.id", "payment_collections.payment_sessions.provider_id", "payment_collections.payment_sessions.data"],
    filters: { id: input.order_id },
  })
  const saved: string[] = []
  const sessions = (order?.payment_collections ?? []).flatMap((pc: any) => pc?.payment_sessions ?? [])
  for (const s of sessions) {
    if (!s || !isPaymentOptionsProvider(s.provider_id) || (s.data as any)?.save_card !== true || !order.customer_id) continue
    try {
      saved.push((await saveCheckoutCard(container, { payment_session_id: s.id, customer_id: order.customer_id })).id)
    } catch (error) {
      container.resolve(ContainerRegistrationKeys.LOGGER).warn(`PaymentOptions could not save the card of order ${order.id}: ${(error as Error).message}`)
    }
  }
  return new StepResponse(saved)
})

export const saveOrderCardsWorkflow = createWorkflow("paymentoptions-save-order-cards", (input: { order_id: string }) => {
  return new WorkflowResponse(saveOrderCardsStep(input))
})

export const saveCheckoutCardWorkflow = createWorkflow("paymentoptions-save-checkout-card", (input: SaveCheckoutCardInput) => {
  return new WorkflowResponse(saveCheckoutCardStep(input))
})
