import { MembersTab } from "../admin/members-tab";
import { RetentionTab } from "../admin/retention-tab";
import { RobotsTab } from "../admin/robots-tab";
import { SettingsTab } from "../admin/settings-tab";
import type { Project } from "../admin/types";
import { useApi } from "../api";
import { Failure, Loading, PageTitle } from "../components/bits";
import { Tabs } from "../components/tabs";
import { Link, useQueryParam } from "../router";
import { useSession } from "../session";

/**
 * One project's administration, a tab each (the tab is `?tab=`, a link): members, robots (for callers
 * who may see them), settings, retention. Each tab offers writes only to callers holding them.
 */
export default function AdminProjectPage({ name }: { name: string }) {
  const session = useSession();
  const project = useApi<Project>(`/api/v1/projects/${encodeURIComponent(name)}`);
  const tabs = [
    ...(session.can("member.read", name) ? [{ id: "members", title: "Members" }] : []),
    ...(session.can("robot.read", name) ? [{ id: "robots", title: "Robots" }] : []),
    { id: "settings", title: "Settings" },
    { id: "retention", title: "Retention" },
  ];
  const [wanted, setTab] = useQueryParam("tab", tabs[0]!.id);
  const tab = tabs.some((t) => t.id === wanted) ? wanted : tabs[0]!.id;
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/admin">Administration</Link> / {name}
      </nav>
      <PageTitle sub={project.data ? (project.data.public ? "public" : "private") : undefined}>
        Project {name}
      </PageTitle>
      {project.error && <Failure error={project.error} what="the project" />}
      {project.loading && !project.data && <Loading what="the project" />}
      {project.data && (
        <Tabs label="Project administration" tabs={tabs} selected={tab} onSelect={(id) => setTab(id)}>
          {tab === "members" && <MembersTab project={name} />}
          {tab === "robots" && <RobotsTab project={name} />}
          {tab === "settings" && (
            <SettingsTab key={project.data.createdAt} project={project.data} onSaved={project.reload} />
          )}
          {tab === "retention" && <RetentionTab project={name} />}
        </Tabs>
      )}
    </>
  );
}
