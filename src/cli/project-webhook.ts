import type { Command } from "commander";
import {
  type ApiFlags,
  collect,
  connect,
  outputOf,
  printAnswer,
  printJson,
  when,
  withApiFlags,
} from "./account-options.js";
import type { Webhook, WebhookDelivery } from "./api-client.js";
import { printTable } from "./output.js";

const HEADER = ["id", "url", "events", "state", "description"];

function rows(webhooks: readonly Webhook[]): string[][] {
  return webhooks.map((w) => [
    w.id,
    w.url,
    w.events.length === 0 ? "all" : w.events.map((e) => e.replace(/^dev\.portcullis\./, "")).join(","),
    w.enabled ? "enabled" : "disabled",
    w.description,
  ]);
}

const DELIVERY_HEADER = [
  "delivery",
  "event",
  "state",
  "attempts",
  "last status",
  "last error",
  "next attempt",
];

function deliveryRows(deliveries: readonly WebhookDelivery[]): string[][] {
  return deliveries.map((d) => {
    const last = d.attempts.at(-1);
    return [
      String(d.id),
      d.eventType.replace(/^dev\.portcullis\./, ""),
      d.state,
      String(d.attempts.length),
      last?.statusCode === null || last === undefined ? "-" : String(last.statusCode),
      last?.error ?? "",
      d.nextAttemptAt === null ? "-" : when(d.nextAttemptAt),
    ];
  });
}

/** Full CloudEvents types from the short names people type (`image.pushed`). */
function eventType(name: string): string {
  return name.startsWith("dev.portcullis.") ? name : `dev.portcullis.${name}`;
}

interface AddFlags extends ApiFlags {
  event: string[];
  allowInsecure?: boolean;
  disabled?: boolean;
  description?: string;
}

/** `portcullis project webhook list|add|rm|test|deliveries` over the accounts API. */
export function registerProjectWebhook(project: Command, setExit: (code: number) => void): void {
  const webhook = project
    .command("webhook")
    .description("a project's webhooks: its events as signed CloudEvents to a URL");

  withApiFlags(
    webhook.command("list").description("list a project's webhooks (webhook.read)").argument("<project>"),
  ).action(async (name: string, flags: ApiFlags) => {
    const format = outputOf(flags);
    const { webhooks } = await connect(flags).client.listWebhooks(name);
    printAnswer(format, { webhooks }, HEADER, () => rows(webhooks));
    setExit(0);
  });

  withApiFlags(
    webhook
      .command("add")
      .description("subscribe a URL to the project's events (webhook.write); prints the signing secret once")
      .argument("<project>")
      .argument("<url>", "https://..., or http:// to loopback")
      .option(
        "-e, --event <type>",
        "an event type, such as image.pushed or policy.denied (repeatable; default every type)",
        collect,
        [],
      )
      .option(
        "--allow-insecure",
        "allow plain http:// beyond loopback (the body crosses the network in clear)",
      )
      .option("--disabled", "create it disabled")
      .option("--description <text>"),
  ).action(async (name: string, url: string, flags: AddFlags) => {
    const format = outputOf(flags);
    const created = await connect(flags).client.createWebhook(name, {
      url,
      ...(flags.event.length > 0 ? { events: flags.event.map(eventType) } : {}),
      ...(flags.allowInsecure ? { allowInsecure: true } : {}),
      ...(flags.disabled ? { enabled: false } : {}),
      ...(flags.description ? { description: flags.description } : {}),
    });
    if (format === "json") printJson(created);
    else {
      printTable(HEADER, rows([created.webhook]));
      process.stdout.write(
        `\nSigning secret of ${created.webhook.id} (shown once, store it now; Standard Webhooks format):\n${created.secret}\n`,
      );
    }
    setExit(0);
  });

  withApiFlags(
    webhook
      .command("rm")
      .description("delete a webhook with its delivery log (webhook.write)")
      .argument("<project>")
      .argument("<id>"),
  ).action(async (name: string, id: string, flags: ApiFlags) => {
    await connect(flags).client.deleteWebhook(name, id);
    process.stdout.write(`${id} deleted.\n`);
    setExit(0);
  });

  withApiFlags(
    webhook
      .command("test")
      .description("send a test event now and show its first attempt (webhook.write)")
      .argument("<project>")
      .argument("<id>"),
  ).action(async (name: string, id: string, flags: ApiFlags) => {
    const format = outputOf(flags);
    const delivery = await connect(flags).client.testWebhook(name, id);
    printAnswer(format, delivery, DELIVERY_HEADER, () => deliveryRows([delivery]));
    setExit(delivery.state === "delivered" ? 0 : 1);
  });

  withApiFlags(
    webhook
      .command("deliveries")
      .description("a webhook's deliveries, newest first, with their last attempt (webhook.read)")
      .argument("<project>")
      .argument("<id>")
      .option("--limit <n>", "at most this many (default 50)", (v: string) => Number.parseInt(v, 10)),
  ).action(async (name: string, id: string, flags: ApiFlags & { limit?: number }) => {
    const format = outputOf(flags);
    const { deliveries } = await connect(flags).client.webhookDeliveries(name, id, flags.limit);
    printAnswer(format, { deliveries }, DELIVERY_HEADER, () => deliveryRows(deliveries));
    setExit(0);
  });
}
