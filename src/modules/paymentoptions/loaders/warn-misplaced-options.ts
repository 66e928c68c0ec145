import type { LoaderOptions } from "@medusajs/framework/types"
import { optionsSchema } from "../../../providers/paymentoptions/options"

const PROVIDER_OPTIONS = new Set(Object.keys(optionsSchema.shape))

/**
 * The plugin's module receives the `plugins` entry's options. The provider's options (credentials, modes,
 * autoRefundOnReturn, …) do not belong there (a Medusa v1 habit): they are ignored, so the store is told where they go.
 */
export default async function warnMisplacedOptions({ options, logger }: LoaderOptions<Record<string, unknown>>): Promise<void> {
  const misplaced = Object.keys(options ?? {}).filter((key) => PROVIDER_OPTIONS.has(key))
  if (!misplaced.length) return
  logger?.warn(
    `PaymentOptions: ${misplaced.map((k) => `"${k}"`).join(", ")} in the plugins entry of medusa-config ${misplaced.length > 1 ? "are" : "is"} ignored. ` +
      "Provider options belong in the payment module's provider entry: modules: [{ resolve: \"@medusajs/medusa/payment\", options: { providers: " +
      "[{ resolve: \"medusa-payment-paymentoptions/providers/paymentoptions\", id: \"paymentoptions\", options: { … } }] } }]."
  )
}
