/**
 * The KCM releases and packages the lab builds. Every release rebuilds every
 * package at that version, as Keeper's releases do.
 */

/** The KCM releases the lab publishes, oldest first. */
export const RELEASES = ["2.23.1", "2.24.0", "2.24.1", "2.25.0"] as const;
export type Release = (typeof RELEASES)[number];

/** The rpm "release" field of every lab package. */
export const PACKAGE_RELEASE = "1.el8";

/** A unit file a package ships, and how the lab's systemctl runs it. */
export interface LabUnit {
  name: string;
  description: string;
  execStart: string;
  listen: "tcp" | "http";
  port: number;
  /** The package whose version file the running unit reports. */
  reportsVersionOf: string;
}

export interface LabPackage {
  name: string;
  arch: "noarch" | "native";
  epoch?: number;
  requires?: string[];
  unit?: LabUnit;
  /** Installed on hosts of these layouts. */
  layouts: ReadonlyArray<"standalone" | "tomcat">;
}

export const GUACD_PORT = 4822;
export const WEB_PORT = 8080;

const both = ["standalone", "tomcat"] as const;

/** The kcm-* packages of each release. */
export const KCM_PACKAGES: readonly LabPackage[] = [
  {
    name: "kcm-guacd",
    arch: "native",
    requires: ["kcm-libguac"],
    layouts: both,
    unit: {
      name: "guacd",
      description: "Guacamole proxy daemon (guacd)",
      execStart: `/usr/sbin/guacd -f -b 127.0.0.1 -l ${GUACD_PORT}`,
      listen: "tcp",
      port: GUACD_PORT,
      reportsVersionOf: "kcm-guacd",
    },
  },
  { name: "kcm-libguac", arch: "native", layouts: both },
  { name: "kcm-libguac-client-rdp", arch: "native", requires: ["kcm-libguac"], layouts: both },
  { name: "kcm-libguac-client-ssh", arch: "native", requires: ["kcm-libguac"], layouts: both },
  { name: "kcm-libguac-client-vnc", arch: "native", requires: ["kcm-libguac"], layouts: both },
  { name: "kcm-guacamole", arch: "noarch", layouts: both },
  {
    name: "kcm-guacamole-standalone",
    arch: "noarch",
    requires: ["kcm-guacamole"],
    layouts: ["standalone"],
    unit: {
      name: "guacamole",
      description: "Apache Guacamole web application (standalone Tomcat)",
      execStart: "/usr/share/guacamole/bin/catalina.sh run",
      listen: "http",
      port: WEB_PORT,
      reportsVersionOf: "kcm-guacamole",
    },
  },
  // Epoch 1, so versions read "1:2.24.1-1.el8".
  { name: "kcm-guacamole-auth-ldap", arch: "noarch", epoch: 1, layouts: both },
  // Over 40 characters, so yum 3 and a dnf on a terminal wrap its line.
  {
    name: "kcm-guacamole-auth-sso-saml-and-openid-connect",
    arch: "noarch",
    requires: ["kcm-guacamole"],
    layouts: both,
  },
];

const MiB = 1024 * 1024;

/**
 * Extra payload files, in bytes, by release and package: release 2.25.0 is
 * about as big as a real KCM release (8 MiB), so fetching it over the lab's
 * rate-limited HTTP repository takes seconds. Every other release stays tiny.
 * Each package ships its payload as `/usr/share/kcm/<name>.payload`.
 */
export const RELEASE_PAYLOADS: { readonly [R in Release]?: Readonly<Record<string, number>> } = {
  "2.25.0": { "kcm-guacamole": 4 * MiB, "kcm-guacd": 2 * MiB, "kcm-libguac": 2 * MiB },
};

/** Packages that are not KCM's: the OS release and, for the legacy layout, Tomcat. */
export const BASE_PACKAGES: readonly (LabPackage & { version: string; release: string })[] = [
  {
    name: "redhat-release",
    version: "8.10",
    release: "1.0.el8",
    arch: "noarch",
    layouts: both,
  },
  {
    name: "tomcat",
    version: "9.0.87",
    release: "1.el8",
    arch: "noarch",
    layouts: ["tomcat"],
    unit: {
      name: "tomcat",
      description: "Apache Tomcat Web Application Container",
      execStart: "/usr/libexec/tomcat/server start",
      listen: "http",
      port: WEB_PORT,
      reportsVersionOf: "kcm-guacamole",
    },
  },
];

/** Text of a systemd unit file for a lab unit. */
export function unitFileText(unit: LabUnit): string {
  return [
    "[Unit]",
    `Description=${unit.description}`,
    "After=network.target",
    "",
    "[Service]",
    `ExecStart=${unit.execStart}`,
    "Restart=on-failure",
    // systemd ignores X- keys; the lab's systemctl reads them.
    `X-KcmLab-Listen=${unit.listen} ${unit.port}`,
    `X-KcmLab-Version=${unit.reportsVersionOf}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
