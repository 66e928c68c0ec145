import { ConfigModule } from "@medusajs/framework/types"
import { MedusaError } from "@medusajs/framework/utils"
import { PaymentOptionsClient } from "../providers/paymentoptions/client"
import { resolveOptions, ResolvedOptions } from "../providers/paymentoptions/options"

export const PAYMENTOPTIONS_PROVIDER_PREFIX = "pp_paymentoptions_"

export interface PaymentOptionsGateway {
  providerId: string
  options: ResolvedOptions
  client: PaymentOptionsClient
}

const cache = new WeakMap<object, Map<string, PaymentOptionsGateway>>()

/**
 * The gateway client for code outside the payment module (admin routes, jobs, subscribers), built from
 * the same provider options the store configured in medusa-config, so credentials live in one place.
 */
export function gatewayFromConfig(configModule: ConfigModule, providerId = `${PAYMENTOPTIONS_PROVIDER_PREFIX}paymentoptions`): PaymentOptionsGateway {
  const known = cache.get(configModule)?.get(providerId)
  if (known) return known
  const id = providerId.slice(PAYMENTOPTIONS_PROVIDER_PREFIX.length)
  const modules = Object.entries((configModule.modules ?? {}) as Record<string, any>)
  const payment = modules.find(
    ([key, mod]) => key === "payment" || mod?.resolve === "@medusajs/medusa/payment" || mod?.resolve === "@medusajs/payment"
  )?.[1]
  const providers: any[] = payment?.options?.providers ?? []
  const entry = providers.find((p) => p?.id === id && String(p?.resolve ?? "").replace(/\/+$/, "").endsWith("providers/paymentoptions"))
  if (!entry) {
    throw new MedusaError(
      MedusaError.Types.NOT_FOUND,
      `PaymentOptions: no provider "${providerId}" is configured in the payment module of medusa-config.`
    )
  }
  const options = resolveOptions(entry.options)
  const gateway = { providerId, options, client: new PaymentOptionsClient(options) }
  if (!cache.has(configModule)) cache.set(configModule, new Map())
  cache.get(configModule)!.set(providerId, gateway)
  return gateway
}
