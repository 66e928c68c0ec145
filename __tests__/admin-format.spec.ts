import { currencyDecimals, formatAmount, formatTime, maskedCardLabel, maskPans } from "../src/admin/lib/format"

describe("admin widget: money formatting", () => {
  it("uses the currency's decimals", () => {
    expect(currencyDecimals("JPY")).toBe(0)
    expect(currencyDecimals("usd")).toBe(2)
    expect(currencyDecimals("KWD")).toBe(3)
    expect(currencyDecimals("not a code")).toBeNull()
  })

  it("formats stored major-unit strings", () => {
    expect(formatAmount("1200", "jpy")).toBe("¥1,200")
    expect(formatAmount("5000", "JPY")).toBe("¥5,000")
    expect(formatAmount("5.5", "usd")).toBe("$5.50")
    expect(formatAmount("1.235", "kwd").replace(/\s/g, " ")).toBe("KWD 1.235") // Intl puts a no-break space after the code
    expect(formatAmount("0", "jpy")).toBe("¥0")
    expect(formatAmount("-800", "jpy")).toBe("-¥800")
  })

  it("never goes through a float: large and long amounts stay exact", () => {
    expect(formatAmount("12345678901234567890", "jpy")).toBe("¥12,345,678,901,234,567,890")
    expect(formatAmount("9007199254740993.01", "usd")).toBe("$9,007,199,254,740,993.01")
    expect(formatAmount("0.1", "usd")).toBe("$0.10")
  })

  it("shows digits beyond the currency's decimals instead of rounding them away", () => {
    expect(formatAmount("1.5", "jpy")).toBe("¥1.5")
    expect(formatAmount("5.555", "usd")).toBe("$5.555")
  })

  it("accepts Medusa's numeric amounts for display", () => {
    expect(formatAmount(5000, "jpy")).toBe("¥5,000")
    expect(formatAmount(10.5, "usd")).toBe("$10.50")
  })

  it("shows unreadable values as they are", () => {
    expect(formatAmount(undefined, "jpy")).toBe("—")
    expect(formatAmount(null, "jpy")).toBe("—")
    expect(formatAmount("", "jpy")).toBe("—")
    expect(formatAmount("12abc", "jpy")).toBe("12abc JPY")
    expect(formatAmount("1e3", "usd")).toBe("1e3 USD")
    expect(formatAmount("100", null)).toBe("100")
    expect(formatAmount("100", "??")).toBe("100 ??")
  })

  it("formats in another locale", () => {
    expect(formatAmount("1200", "jpy", "ja-JP")).toBe("￥1,200")
  })
})

describe("admin widget: time", () => {
  it("formats ISO timestamps in the given zone", () => {
    expect(formatTime("2026-11-28T03:04:05.000Z", { timeZone: "UTC" })).toBe("28 Nov 2026, 03:04:05")
    expect(formatTime("2026-11-28T03:04:05.000Z", { timeZone: "Asia/Tokyo" })).toBe("28 Nov 2026, 12:04:05")
  })

  it("keeps unreadable values", () => {
    expect(formatTime(null)).toBe("—")
    expect(formatTime("yesterday")).toBe("yesterday")
  })
})

describe("admin widget: card", () => {
  it("shows scheme, last four and expiry", () => {
    expect(maskedCardLabel({ scheme: "visa", last4: "1111", exp_month: "12", exp_year: "30" })).toBe("VISA •••• 1111 · 12/30")
    expect(maskedCardLabel({ scheme: "MASTERCARD", last4: "1005", exp_month: 3, exp_year: 2031 })).toBe("MASTERCARD •••• 1005 · 03/31")
  })

  it("never shows more than four digits, even if a full number was stored", () => {
    const label = maskedCardLabel({ scheme: "VISA", last4: "4111111111111111", exp_month: "12", exp_year: "30" })
    expect(label).toBe("VISA •••• 1111 · 12/30")
    expect(label).not.toContain("411111")
  })

  it("copes with missing parts", () => {
    expect(maskedCardLabel(null)).toBe("—")
    expect(maskedCardLabel({})).toBe("—")
    expect(maskedCardLabel({ scheme: "VISA", last4: null })).toBe("VISA")
    expect(maskedCardLabel({ last4: "12" , exp_month: "1", exp_year: "29"})).toBe("01/29")
  })

  it("masks card numbers in gateway messages", () => {
    expect(maskPans("card 4111 1111 1111 1111 declined")).toBe("card ••••••••••••1111 declined")
    expect(maskPans("ref 74811 amount 1000")).toBe("ref 74811 amount 1000")
  })
})
