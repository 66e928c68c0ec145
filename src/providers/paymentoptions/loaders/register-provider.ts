import type { LoaderOptions } from "@medusajs/framework/types"
import { registerProvider } from "../../../modules/paymentoptions/directory"

export const IDENTIFIER = "paymentoptions"

type ProviderEntry = { id?: string; options?: Record<string, unknown> }

/**
 * Runs once per registration of this provider while Medusa loads the payment module. `options` is this
 * registration's options object and `moduleOptions.providers` the payment module's provider list: the entry holding
 * that very object names the registration's id, so the provider knows it is `pp_paymentoptions_<id>` (its webhook
 * URL) and plugin code can find its options by a payment's `provider_id`.
 */
export default async function registerPaymentOptionsProvider({
  options,
  moduleOptions,
}: LoaderOptions<Record<string, unknown>> & { moduleOptions?: { providers?: ProviderEntry[] } }): Promise<void> {
  if (!options) return
  const entries = (moduleOptions?.providers ?? []).filter((p): p is ProviderEntry => !!p && typeof p === "object")
  const entry = entries.find((p) => p.options === options)
  if (!entry) return
  registerProvider(`pp_${IDENTIFIER}${entry.id ? `_${entry.id}` : ""}`, options)
}
