import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { PAYMENTOPTIONS_MODULE } from "../modules/paymentoptions"
import type PaymentOptionsModuleService from "../modules/paymentoptions/service"
import { isPaymentOptionsProvider } from "../providers/paymentoptions/context"

export type RecordCheckoutIpInput = { cart_id: string; client_ip: string }

export const recordCheckoutIpStep = createStep("paymentoptions-record-checkout-ip", async (input: RecordCheckoutIpInput, { container }) => {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const {
    data: [cart],
  } = await query.graph({
    entity: "cart",
    fields: ["id", "payment_collection.payment_sessions.id", "payment_collection.payment_sessions.provider_id"],
    filters: { id: input.cart_id },
  })
  const sessions = (cart?.payment_collection?.payment_sessions ?? []).filter((s: any) => s && isPaymentOptionsProvider(s.provider_id))
  const module = container.resolve<PaymentOptionsModuleService>(PAYMENTOPTIONS_MODULE)
  for (const s of sessions) await module.setClientIp(s.id, input.client_ip)
  return new StepResponse(sessions.map((s: any) => s.id as string))
})

/** The shopper's IP for the cart's PaymentOptions sessions (sent with a saved-card payment at completion). */
export const recordCheckoutIpWorkflow = createWorkflow("paymentoptions-record-checkout-ip", (input: RecordCheckoutIpInput) => {
  return new WorkflowResponse(recordCheckoutIpStep(input))
})
