import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { PAYMENTOPTIONS_MODULE } from "../modules/paymentoptions"
import type PaymentOptionsModuleService from "../modules/paymentoptions/service"
import { providerOptionsOf } from "../modules/paymentoptions/directory"
import { isPaymentOptionsProvider } from "../providers/paymentoptions/context"
import { resolveOptions } from "../providers/paymentoptions/options"

export type PrepareCardPaymentInput = {
  payment_session_id: string
  cart_id: string
  /** The logged-in customer making the request, if any. */
  customer_id?: string | null
  client_ip: string
}

export type PrepareCardPaymentResult =
  | { allowed: true; session: { id: string; provider_id: string; data: Record<string, unknown>; amount: unknown; currency_code: string } }
  | { allowed: false; reason: string; limit: number }

const HOUR = 3600 * 1000

/**
 * Checks a card payment before the card is sent (the card itself never enters the workflow, so no workflow storage
 * ever holds it): the session must be a PaymentOptions session of this cart, the cart not completed, and the caller
 * the cart's customer when it has one; the attempts per session and per IP (provider options) must not be used up.
 */
export const prepareCardPaymentStep = createStep("paymentoptions-prepare-card-payment", async (input: PrepareCardPaymentInput, { container }) => {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const {
    data: [cart],
  } = await query.graph({
    entity: "cart",
    fields: [
      "id",
      "customer_id",
      "customer.has_account",
      "completed_at",
      "payment_collection.payment_sessions.id",
      "payment_collection.payment_sessions.provider_id",
      "payment_collection.payment_sessions.status",
      "payment_collection.payment_sessions.data",
      "payment_collection.payment_sessions.amount",
      "payment_collection.payment_sessions.raw_amount",
      "payment_collection.payment_sessions.currency_code",
    ],
    filters: { id: input.cart_id },
  })
  const session = (cart?.payment_collection?.payment_sessions ?? []).find((s: any) => s?.id === input.payment_session_id)
  // One answer for "no such cart", "not this cart's session" and "someone else's cart": nothing to probe with.
  if (!cart || !session || !isPaymentOptionsProvider(session.provider_id)) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Payment session ${input.payment_session_id} is not a PaymentOptions session of cart ${input.cart_id}.`)
  }
  // Medusa gives a guest cart a guest customer (has_account false): only a registered customer's cart needs its login.
  if (cart.customer_id && (cart as any).customer?.has_account && input.customer_id !== cart.customer_id) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Payment session ${input.payment_session_id} is not a PaymentOptions session of cart ${input.cart_id}.`)
  }
  if (cart.completed_at) throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `Cart ${cart.id} is already completed.`)
  if (!["pending", "error"].includes(session.status)) {
    throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `Payment session ${session.id} is ${session.status}; it cannot take a card now.`)
  }
  const options = resolveOptions(providerOptionsOf(session.provider_id) ?? {})
  const module = container.resolve<PaymentOptionsModuleService>(PAYMENTOPTIONS_MODULE)
  const bySession = await module.countCardAttempts({ session_id: session.id })
  if (bySession >= options.cardAttemptsPerSession) {
    return new StepResponse<PrepareCardPaymentResult>({ allowed: false, reason: "session", limit: options.cardAttemptsPerSession })
  }
  const byIp = await module.countCardAttempts({ client_ip: input.client_ip, since: new Date(Date.now() - HOUR) })
  if (byIp >= options.cardAttemptsPerIpPerHour) {
    return new StepResponse<PrepareCardPaymentResult>({ allowed: false, reason: "ip", limit: options.cardAttemptsPerIpPerHour })
  }
  return new StepResponse<PrepareCardPaymentResult>({
    allowed: true,
    session: {
      id: session.id,
      provider_id: session.provider_id,
      data: session.data ?? {},
      amount: session.raw_amount ?? session.amount,
      currency_code: session.currency_code,
    },
  })
})

export const prepareCardPaymentWorkflow = createWorkflow("paymentoptions-prepare-card-payment", (input: PrepareCardPaymentInput) => {
  return new WorkflowResponse(prepareCardPaymentStep(input))
})
