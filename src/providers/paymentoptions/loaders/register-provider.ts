import type { ConfigModule, LoaderOptions, Logger } from "@medusajs/framework/types"
import { registerProvider } from "../../../modules/paymentoptions/directory"

export const IDENTIFIER = "paymentoptions"
const PACKAGE = "medusa-payment-paymentoptions"

type ProviderEntry = { id?: string; options?: Record<string, unknown> }

/** Whether medusa-config registers the plugin (its `plugins` entry) or, in this repository, its module directly. */
function pluginRegistered(config: ConfigModule | undefined): boolean {
  const resolves = [
    ...((config?.plugins ?? []) as unknown[]).map((p) => (typeof p === "string" ? p : (p as { resolve?: unknown })?.resolve)),
    ...Object.values((config?.modules ?? {}) as Record<string, { resolve?: unknown } | boolean>).map((m) => (typeof m === "object" ? m?.resolve : undefined)),
  ]
  return resolves.some((r) => typeof r === "string" && (r === PACKAGE || r.startsWith(`${PACKAGE}/`) || /modules\/paymentoptions\/?$/.test(r)))
}

/**
 * Runs once per registration of this provider while Medusa loads the payment module. `options` is this
 * registration's options object and `moduleOptions.providers` the payment module's provider list: the entry holding
 * that very object names the registration's id, so the provider knows it is `pp_paymentoptions_<id>` (its webhook
 * URL) and plugin code can find its options by a payment's `provider_id`. Warns when the plugin itself (its module,
 * routes, subscribers, job) is not registered: every payment and refund needs its operation log.
 */
export default async function registerPaymentOptionsProvider({
  options,
  moduleOptions,
  container,
  logger,
}: LoaderOptions<Record<string, unknown>> & { moduleOptions?: { providers?: ProviderEntry[] } }): Promise<void> {
  if (!options) return
  const entries = (moduleOptions?.providers ?? []).filter((p): p is ProviderEntry => !!p && typeof p === "object")
  const entry = entries.find((p) => p.options === options)
  if (entry) registerProvider(`pp_${IDENTIFIER}${entry.id ? `_${entry.id}` : ""}`, options)
  let config: ConfigModule | undefined
  try {
    config = container.resolve<ConfigModule>("configModule")
  } catch {
    return
  }
  if (!pluginRegistered(config)) {
    ;(logger ?? (container.resolve("logger") as Logger)).warn(
      `PaymentOptions: the plugin is not registered: add { resolve: "${PACKAGE}" } to "plugins" in medusa-config and run ` +
        "`npx medusa db:migrate`. Without it every payment and refund is refused (their operation log lives in the plugin's module), " +
        "and autoRefundOnReturn, refundOrphanedPayments, the card route, saved cards and the webhook-secret route do nothing."
    )
  }
}
