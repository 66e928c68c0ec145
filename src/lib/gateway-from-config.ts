import { ConfigModule } from "@medusajs/framework/types"
import { MedusaError } from "@medusajs/framework/utils"
import { PaymentOptionsClient } from "../providers/paymentoptions/client"
import { resolveOptions, ResolvedOptions } from "../providers/paymentoptions/options"

export const PAYMENTOPTIONS_PROVIDER_PREFIX = "pp_paymentoptions_"
export const DEFAULT_PROVIDER_ID = `${PAYMENTOPTIONS_PROVIDER_PREFIX}paymentoptions`

export interface PaymentOptionsGateway {
  providerId: string
  options: ResolvedOptions
  client: PaymentOptionsClient
}

const cache = new WeakMap<object, Map<string, PaymentOptionsGateway>>()

const PAYMENT_MODULE_RESOLVES = new Set(["@medusajs/medusa/payment", "@medusajs/payment"])

/**
 * The PaymentOptions entries of the payment module's `providers` option, as Medusa 2.21 keeps them in
 * `configModule.modules.payment` (defineConfig turns the modules array into an object keyed by service name).
 * An entry is ours when its `resolve` ends in `providers/paymentoptions` (a package or a path) or is the
 * provider module object itself.
 */
function providerEntries(configModule: ConfigModule): { providerId: string; entry: Record<string, any> }[] {
  const modules = Object.entries((configModule.modules ?? {}) as Record<string, any>)
  const payment = modules.find(([key, mod]) => key === "payment" || PAYMENT_MODULE_RESOLVES.has(mod?.resolve))?.[1]
  const providers: any[] = Array.isArray(payment?.options?.providers) ? payment.options.providers : []
  return providers
    .filter((p) => p && typeof p.id === "string" && isOurs(p.resolve))
    .map((entry) => ({ providerId: `${PAYMENTOPTIONS_PROVIDER_PREFIX}${entry.id}`, entry }))
}

function isOurs(resolve: unknown): boolean {
  if (typeof resolve === "string") return resolve.replace(/\/+$/, "").replace(/\/index(\.[jt]s)?$/, "").endsWith("providers/paymentoptions")
  const services: any[] = (resolve as any)?.services ?? (resolve as any)?.default?.services ?? []
  return Array.isArray(services) && services.some((s) => s?.identifier === "paymentoptions")
}

/** Every PaymentOptions provider id registered in medusa-config (usually just `pp_paymentoptions_paymentoptions`). */
export function paymentOptionsProviderIds(configModule: ConfigModule): string[] {
  return providerEntries(configModule).map((e) => e.providerId)
}

/**
 * The gateway client for code outside the payment module (admin routes, jobs, subscribers), built from
 * the same provider options the store configured in medusa-config, so credentials live in one place.
 */
export function gatewayFromConfig(configModule: ConfigModule, providerId = DEFAULT_PROVIDER_ID): PaymentOptionsGateway {
  const known = cache.get(configModule)?.get(providerId)
  if (known) return known
  const found = providerEntries(configModule).find((e) => e.providerId === providerId)
  if (!found) {
    throw new MedusaError(
      MedusaError.Types.NOT_FOUND,
      `PaymentOptions: no provider "${providerId}" is configured in the payment module of medusa-config.`
    )
  }
  const options = resolveOptions(found.entry.options)
  const gateway = { providerId, options, client: new PaymentOptionsClient(options) }
  if (!cache.has(configModule)) cache.set(configModule, new Map())
  cache.get(configModule)!.set(providerId, gateway)
  return gateway
}

/** Like gatewayFromConfig, but null when the provider is not configured (e.g. removed from medusa-config). */
export function maybeGatewayFromConfig(configModule: ConfigModule, providerId = DEFAULT_PROVIDER_ID): PaymentOptionsGateway | null {
  try {
    return gatewayFromConfig(configModule, providerId)
  } catch (error) {
    if (error instanceof MedusaError && error.type === MedusaError.Types.NOT_FOUND) return null
    throw error
  }
}
