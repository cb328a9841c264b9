/**
 * The system administration's tabs a caller may see, each with the system permission it needs (here,
 * not in the page, so the administration page can link to it without loading it).
 */
export function systemTabs(can: (permission: string) => boolean): { id: string; title: string }[] {
  return [
    ...(can("system.users") ? [{ id: "users", title: "Users" }] : []),
    ...(can("system.users") ? [{ id: "groups", title: "Groups" }] : []),
    ...(can("system.roles") ? [{ id: "roles", title: "Roles" }] : []),
    ...(can("system.robots") ? [{ id: "robots", title: "System robots" }] : []),
  ];
}
