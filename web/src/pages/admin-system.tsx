import { GroupsTab } from "../admin/groups-tab";
import { RolesTab } from "../admin/roles-tab";
import { SystemRobotsTab } from "../admin/system-robots-tab";
import { systemTabs } from "../admin/system-tabs";
import { UsersTab } from "../admin/users-tab";
import { PageTitle } from "../components/bits";
import { Tabs } from "../components/tabs";
import { Link, useQueryParam } from "../router";
import { useSession } from "../session";

/**
 * The installation's administration, a tab each (`?tab=`): users and groups (system.users), custom
 * roles (system.roles), system robots (system.robots). Only the tabs the caller may use are offered;
 * the API checks every request again.
 */
export default function AdminSystemPage() {
  const session = useSession();
  const tabs = systemTabs((permission) => session.can(permission));
  const [wanted, setTab] = useQueryParam("tab", tabs[0]?.id ?? "");
  const tab = tabs.some((t) => t.id === wanted) ? wanted : tabs[0]?.id;
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/admin">Administration</Link> / system
      </nav>
      <PageTitle>System administration</PageTitle>
      {tab === undefined ? (
        <p>Administering users, groups, roles and system robots needs a system permission you do not hold.</p>
      ) : (
        <Tabs label="System administration" tabs={tabs} selected={tab} onSelect={(id) => setTab(id)}>
          {tab === "users" && <UsersTab />}
          {tab === "groups" && <GroupsTab />}
          {tab === "roles" && <RolesTab />}
          {tab === "robots" && <SystemRobotsTab />}
        </Tabs>
      )}
    </>
  );
}
