/**
 * Parses the module info text of a Go binary, the format of runtime/debug.BuildInfo.String()
 * (go/src/runtime/debug/mod.go, `ParseBuildInfo`): tab-separated lines "path", "mod", "dep",
 * "=>" (replacement of the module on the line before) and "build key=value" settings, where keys
 * and values holding spaces, quotes or "=" are Go-quoted.
 */

export interface GoModule {
  path: string;
  version: string;
  sum?: string;
  replace?: GoModule;
}

export interface ModInfo {
  /** The main package's import path ("command-line-arguments" for `go build file.go`). */
  path?: string;
  main?: GoModule;
  deps: GoModule[];
  settings: Map<string, string>;
}

export function parseModInfo(text: string): ModInfo {
  const info: ModInfo = { deps: [], settings: new Map() };
  let last: GoModule | undefined;
  for (const line of text.split("\n")) {
    const [kind, ...fields] = line.split("\t");
    switch (kind) {
      case "path":
        info.path = fields[0];
        break;
      case "mod":
        last = moduleOf(fields);
        info.main = last;
        break;
      case "dep":
        last = moduleOf(fields);
        if (last) info.deps.push(last);
        break;
      case "=>":
        if (last) last.replace = moduleOf(fields);
        last = undefined;
        break;
      case "build": {
        const setting = parseSetting(fields.join("\t"));
        if (setting) info.settings.set(setting[0], setting[1]);
        break;
      }
    }
  }
  return info;
}

function moduleOf(fields: string[]): GoModule | undefined {
  const [path, version, sum] = fields;
  if (!path) return undefined;
  return { path, version: version ?? "", ...(sum ? { sum } : {}) };
}

function parseSetting(text: string): [string, string] | undefined {
  let key: string;
  let rest: string;
  if (text.startsWith('"')) {
    const end = quotedEnd(text);
    key = unquote(text.slice(0, end));
    rest = text.slice(end);
  } else {
    const eq = text.indexOf("=");
    if (eq < 0) return undefined;
    key = text.slice(0, eq);
    rest = text.slice(eq);
  }
  if (!rest.startsWith("=")) return undefined;
  const value = rest.slice(1);
  return [key, value.startsWith('"') ? unquote(value) : value];
}

/** Index just past the closing quote of a Go double-quoted string starting at 0. */
function quotedEnd(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

/** Go's strconv.Quote output is JSON-compatible for the characters build settings hold. */
function unquote(quoted: string): string {
  try {
    const value: unknown = JSON.parse(quoted);
    return typeof value === "string" ? value : quoted;
  } catch {
    return quoted.slice(1, -1);
  }
}
