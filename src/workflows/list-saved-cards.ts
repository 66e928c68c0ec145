import type { IPaymentModuleService } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import { createStep, createWorkflow, StepResponse, WorkflowResponse } from "@medusajs/framework/workflows-sdk"
import { isPaymentOptionsProvider } from "../providers/paymentoptions/context"

export type ListSavedCardsInput = { customer_id: string }

/** The customer's saved cards (masked) through the payment module's listPaymentMethods, one call per provider. */
export const listSavedCardsStep = createStep("paymentoptions-list-saved-cards", async (input: ListSavedCardsInput, { container }) => {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const {
    data: [customer],
  } = await query.graph({ entity: "customer", fields: ["id", "account_holders.*"], filters: { id: input.customer_id } })
  const paymentModule = container.resolve<IPaymentModuleService>(Modules.PAYMENT)
  const methods: { id: string; provider_id: string; data: Record<string, unknown> }[] = []
  for (const holder of (customer?.account_holders ?? []).filter((h: any) => h && isPaymentOptionsProvider(h.provider_id))) {
    const found = await paymentModule.listPaymentMethods({ provider_id: holder.provider_id, context: { account_holder: holder } } as any)
    methods.push(...(found as any[]).map((m) => ({ id: m.id, provider_id: holder.provider_id, data: m.data ?? {} })))
  }
  return new StepResponse(methods)
})

export const listSavedCardsWorkflow = createWorkflow("paymentoptions-list-saved-cards", (input: ListSavedCardsInput) => {
  return new WorkflowResponse(listSavedCardsStep(input))
})
