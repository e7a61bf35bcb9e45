// The user's settings as the server sees them: pulled with workspace/configuration when the client
// supports it (VS Code), else taken from initializationOptions or a pushed didChangeConfiguration.

import type { Connection } from "vscode-languageserver/node";
import { CONFIG_SECTION, type InitializationOptions } from "./protocol";

export interface Settings {
  inlayHintsEnabled: boolean;
}

interface RawSection {
  inlayHints?: { enabled?: unknown };
}

function fromRaw(raw: unknown, fallback: Settings): Settings {
  const section = (typeof raw === "object" && raw !== null ? raw : {}) as RawSection;
  const enabled = section.inlayHints?.enabled;
  return { inlayHintsEnabled: typeof enabled === "boolean" ? enabled : fallback.inlayHintsEnabled };
}

export class SettingsStore {
  private cached: Settings | undefined;
  private readonly defaults: Settings;

  constructor(
    private readonly connection: Connection,
    private readonly canPull: boolean,
    init: InitializationOptions,
  ) {
    this.defaults = { inlayHintsEnabled: init.inlayHints?.enabled ?? true };
  }

  /** Current settings; pulled once and cached until the client says they changed. */
  async get(): Promise<Settings> {
    if (this.cached) return this.cached;
    if (!this.canPull) return this.defaults;
    try {
      const raw: unknown = await this.connection.workspace.getConfiguration(CONFIG_SECTION);
      this.cached = fromRaw(raw, this.defaults);
    } catch {
      // A client that advertises configuration but fails the request still gets working hints.
      this.cached = this.defaults;
    }
    return this.cached;
  }

  /** didChangeConfiguration: push-style clients send the settings, pull-style ones just notify. */
  changed(pushed: unknown): void {
    const section = typeof pushed === "object" && pushed !== null ? (pushed as Record<string, unknown>)[CONFIG_SECTION] : undefined;
    this.cached = section !== undefined ? fromRaw(section, this.defaults) : undefined;
  }
}
