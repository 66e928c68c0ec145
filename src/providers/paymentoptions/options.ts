import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"

/** The plugin's webhook route that checks the shared secret in its path (see src/api/hooks/paymentoptions). */
export const WEBHOOK_TOKEN_ROUTE = "/hooks/paymentoptions"

export const GATEWAY_HOSTS = {
  sandbox: "https://api-dev.paymentoptions.com",
  live: "https://api.paymentoptions.com",
} as const

// "https:example.com" and "http:/x" parse as URLs; a webhook URL built from them would go nowhere.
const url = z
  .url({ protocol: /^https?$/ })
  .trim()
  .refine((v) => /^https?:\/\/[^/\s]/i.test(v) && !/[\t\n\r ]/.test(v), { message: "must be a URL (http or https)" })

const positiveInt = z.coerce.number().int().positive()

// Booleans often come from env strings; z.coerce.boolean() would read "false" as true.
const flag = z.union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1")])

export const optionsSchema = z.object({
  /** Sent verbatim as `Authorization: Basic <apiKey>`: paste the portal's encoded key. */
  apiKey: z.string().trim().min(1),
  /** Sent as `x-api-key`. */
  xApiKey: z.string().trim().min(1),
  /** DASMID; the refund/capture/void endpoints cap it at 10 characters (API.md §3). */
  merchantId: z.string().trim().min(1).max(10),
  environment: z.enum(["sandbox", "live"]).default("sandbox"),
  /** Overrides the host chosen by `environment` (e.g. the bundled sandbox). */
  baseUrl: url.optional(),
  /** API.md §1.3: the docs disagree on a doubled `/api/v1`; kept configurable. */
  apiPathPrefix: z
    .string()
    .regex(/^\/[A-Za-z0-9/_-]*$/, "must start with / and hold only path characters")
    .default("/api/v1/server-to-server-interface"),
  timeoutMs: positiveInt.default(30_000),
  /** How long a refund or capture with an unknown outcome is polled on Transaction Status before it is recorded as unknown. */
  refundSettleTimeoutMs: z.coerce.number().int().min(0).default(10_000),
  refundSettleIntervalMs: positiveInt.default(1_000),
  /** IANA zone sent as `time_zone`. */
  timeZone: z.string().trim().min(1).default("Asia/Tokyo"),
  /** Public URL of the Medusa backend; the gateway's webhook goes to `<backendUrl>/hooks/payment/<provider id>`. Required with environment "live". */
  backendUrl: url.optional(),
  /** Overrides the webhook URL built from `backendUrl`. */
  webhookUrl: url.optional(),
  /** Where the hosted page sends the shopper back. */
  successUrl: url.default("http://localhost:8000/checkout?paymentoptions=success"),
  declineUrl: url.default("http://localhost:8000/checkout?paymentoptions=decline"),
  cancelUrl: url.default("http://localhost:8000/checkout?paymentoptions=cancel"),
  merchantEmail: z.email().max(45).optional(),
  /**
   * "hosted": the shopper pays on PaymentOptions' hosted page (no card data near the store: lowest PCI scope).
   * "server": server-to-server payments with card data posted to the plugin's card route (allowRawCardData).
   * Saved cards are charged server to server in both modes.
   */
  checkoutMode: z.enum(["hosted", "server"]).default("hosted"),
  /** "automatic": captured when the cart completes. "manual": PRE_AUTH at checkout, captured later from the admin. */
  captureMode: z.enum(["automatic", "manual"]).default("automatic"),
  /** Accept raw card data on the plugin's store route (checkoutMode "server" only; PCI DSS SAQ D scope). */
  allowRawCardData: flag.default(false),
  /** Card payments the card route accepts for one payment session (declines included). */
  cardAttemptsPerSession: positiveInt.default(5),
  /** Card payments the card route accepts from one IP address in an hour, across sessions. */
  cardAttemptsPerIpPerHour: positiveInt.default(20),
  /** Optional shared secret: webhooks are then only accepted through a URL that carries it. */
  webhookSecret: z.string().trim().min(24).max(128).regex(/^[A-Za-z0-9_-]+$/, "must be URL-safe (letters, digits, _ and -)").optional(),
  /**
   * Refund a received return by itself (the plugin's subscriber on `order.return_received`, once per return).
   * Needs the plugin in medusa-config's `plugins`. Off by default: a store opts in.
   */
  autoRefundOnReturn: flag.default(false),
  /**
   * Refund (or release) money the gateway took for a payment session that no longer leads to an order (a hosted
   * page paid after its session was deleted). Off by default: such payments are listed for the operator.
   */
  refundOrphanedPayments: flag.default(false),
})

export type PaymentOptionsOptions = z.input<typeof optionsSchema>
export type ResolvedOptions = z.output<typeof optionsSchema> & { gatewayUrl: string }

const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/i

/**
 * Parses the provider options. The message names each bad option, what is allowed, and never its value:
 * options hold secrets.
 */
export function resolveOptions(raw: unknown): ResolvedOptions {
  const parsed = optionsSchema.safeParse(raw ?? {})
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `"${issue.path.join(".") || "options"}" ${describeIssue(issue, raw)}`)
      .join("; ")
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `PaymentOptions provider options are invalid: ${problems}. See docs/configuration.md.`
    )
  }
  const options = parsed.data
  const publicUrl = options.webhookUrl ?? options.backendUrl
  const conflicts = [
    options.checkoutMode === "hosted" && options.captureMode === "manual"
      ? '"captureMode" "manual" needs "checkoutMode" "server": the hosted payment page always captures'
      : null,
    options.allowRawCardData && options.checkoutMode !== "server" ? '"allowRawCardData" needs "checkoutMode" "server"' : null,
    options.environment === "live" && (!publicUrl || LOCAL_HOST.test(new URL(publicUrl).hostname))
      ? '"environment" "live" needs "backendUrl" (or "webhookUrl") set to the public URL of this Medusa server: the gateway sends its webhooks there'
      : null,
  ].filter(Boolean)
  if (conflicts.length) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `PaymentOptions provider options are invalid: ${conflicts.join("; ")}.`)
  }
  const gatewayUrl = (options.baseUrl ?? GATEWAY_HOSTS[options.environment]).replace(/\/+$/, "")
  return { ...options, gatewayUrl }
}

/**
 * The webhook URL given to the gateway: `webhookUrl`, else `<backendUrl>/hooks/payment/<provider>` (Medusa's own
 * webhook route) or, with `webhookSecret`, the plugin's route that checks the secret. `providerId` is the real
 * registration (`pp_paymentoptions_<id>`), so a provider registered under another id gets its own webhooks.
 */
export function webhookUrlFor(options: ResolvedOptions, providerId: string): string {
  if (options.webhookUrl) return options.webhookUrl
  const backend = (options.backendUrl ?? "http://localhost:9000").replace(/\/+$/, "")
  const provider = providerId.replace(/^pp_/, "")
  return options.webhookSecret
    ? `${backend}${WEBHOOK_TOKEN_ROUTE}/${provider}/${options.webhookSecret}`
    : `${backend}/hooks/payment/${provider}`
}

const FLAGS = new Set(["allowRawCardData", "autoRefundOnReturn", "refundOrphanedPayments"])

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const name = String(issue.path[0] ?? "")
  const given = raw && typeof raw === "object" ? (raw as Record<string, unknown>)[name] : undefined
  if (FLAGS.has(name)) return "must be true or false (or the strings \"true\"/\"false\"/\"1\"/\"0\")"
  switch (issue.code) {
    case "invalid_type":
      return given === undefined ? "is required" : `must be a ${issue.expected}`
    case "too_small":
      return issue.origin === "string" ? "must not be empty" : issue.inclusive === false ? `must be greater than ${issue.minimum}` : `must be at least ${issue.minimum}`
    case "too_big":
      return issue.origin === "string" ? `must be at most ${issue.maximum} characters` : `must be at most ${issue.maximum}`
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`
    case "invalid_format":
      return issue.format === "url"
        ? "must be a URL (http or https)"
        : issue.format === "regex"
          ? issue.message
          : `must be a valid ${issue.format}`
    case "custom":
      return issue.message
    default:
      return issue.message.toLowerCase()
  }
}
