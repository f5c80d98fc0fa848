import { strToU8, zipSync } from "fflate";
import type { MemberRecordSection } from "@localex/common";

/**
 * The archive a member downloads: `localex-export/data.json` (every section, by name) and
 * `localex-export/README.md` (what each section and field is). One zip, built in memory: a
 * member's records are kilobytes to a few megabytes (photos are linked, not copied).
 */
export function buildMemberArchive(member: { id: string; exportedAt: Date }, sections: MemberRecordSection[]): Uint8Array {
  const data = {
    memberId: member.id,
    exportedAt: member.exportedAt.toISOString(),
    ...Object.fromEntries(sections.map((s) => [s.name, s.records])),
  };
  // Flat paths: the archive holds the two files and no directory entries.
  return zipSync(
    {
      "localex-export/data.json": strToU8(JSON.stringify(data, null, 2)),
      "localex-export/README.md": strToU8(readme(member, sections)),
    },
    { level: 6 },
  );
}

function readme(member: { id: string; exportedAt: Date }, sections: MemberRecordSection[]): string {
  const lines = [
    "# Your LocalEx data",
    "",
    `Everything LocalEx holds about member ${member.id}, as of ${member.exportedAt.toISOString()}.`,
    "`data.json` has one key per section below, plus `memberId` and `exportedAt`.",
    "Times are ISO 8601 in UTC; credits are whole numbers.",
    "",
  ];
  for (const section of sections) {
    lines.push(`## ${section.name}`, "", section.about, "");
    for (const [field, meaning] of Object.entries(section.fields)) lines.push(`- \`${field}\`: ${meaning}`);
    lines.push("");
  }
  return lines.join("\n");
}
