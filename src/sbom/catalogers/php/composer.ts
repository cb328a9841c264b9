import { isRecord, keysOf, type PackageDraft, stringOr } from "../language-files.js";

/**
 * Composer's records of packages: `vendor/composer/installed.json` (what is installed; Composer 1
 * wrote a bare array, Composer 2 writes `{ "packages": [...] }`) and `composer.lock` (what a
 * project resolved: `packages`, and `packages-dev`, which `composer install --no-dev` skips and
 * so is not read). getcomposer.org/doc/01-basic-usage.md#commit-your-composer-lock-file-to-version-control
 */
export function parseInstalledJson(text: string): PackageDraft[] {
  const document: unknown = JSON.parse(text);
  const packages = Array.isArray(document) ? document : isRecord(document) ? document.packages : undefined;
  if (!Array.isArray(packages)) throw new Error("installed.json holds no package list");
  return packages.flatMap(draftOf);
}

export function parseComposerLock(text: string): PackageDraft[] {
  const document: unknown = JSON.parse(text);
  if (!isRecord(document) || !Array.isArray(document.packages))
    throw new Error("composer.lock has no packages list");
  return document.packages.flatMap(draftOf);
}

function draftOf(entry: unknown): PackageDraft[] {
  if (!isRecord(entry)) return [];
  return [
    {
      name: stringOr(entry.name),
      version: stringOr(entry.version),
      licenses: licensesOf(entry.license),
      dependsOn: keysOf(entry.require, (name) => !isPlatformPackage(name)),
    },
  ];
}

function licensesOf(value: unknown): string[] {
  const list = typeof value === "string" ? [value] : Array.isArray(value) ? value : [];
  return [...new Set(list.filter((item): item is string => typeof item === "string" && item.trim() !== ""))];
}

/**
 * Platform packages (getcomposer.org/doc/01-basic-usage.md#platform-packages) are the PHP runtime
 * and its extensions and libraries, not Composer packages: php, php-64bit, ext-*, lib-*,
 * composer-plugin-api and friends. Real package names always contain a "/".
 */
export function isPlatformPackage(name: string): boolean {
  return !name.includes("/");
}
