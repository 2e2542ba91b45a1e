#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generates the text side of the realistic fleet (tests/bench/realfleet/README.md).

Usage: gen.py CORPUS WORKDIR [--small]

Writes, for every machine, what build.sh turns into a disk image with real tools:
  WORKDIR/win/<id>/ system.reg software.reg sam.reg ntuser/<user>.reg hosts <host>.vmx meta.json
  WORKDIR/lin/<id>/ tree/ (the root filesystem) <host>.xml meta.json
plus WORKDIR/golden-{system,software}.reg (applied once to the base hives) and
WORKDIR/fleet.json (machines, peers, targets per case, per-target substitutions for the
matchers). Everything is a function of the seed and the machine's id: same input, same bytes.

The cases (faults) come from cases.json next to this script; run.sh reads the same file.
"""
import json
import os
import random
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = "vmsift-realfleet-1"

# ---------------------------------------------------------------- sites (legitimate groups)
SITES = [
    dict(code="fra", domain="fra.corp.example", net="10.10", dns=["10.10.0.53", "10.10.0.54"],
         gw="10.10.0.1", dhcp="10.10.0.10", mirror="http://mirror.fra.corp.example/ubuntu",
         wsus="http://wsus-fra.corp.example:8530", ntp="ntp1.fra.corp.example",
         tz_linux="Europe/Berlin", tz_win="W. Europe Standard Time", bias=0xFFFFFFC4, locale="de-DE",
         kbd="de", gwmac="00:50:56:a1:10:01", proxy="10.10.0.80"),
    dict(code="nyc", domain="nyc.corp.example", net="10.20", dns=["10.20.0.53", "10.20.0.54"],
         gw="10.20.0.1", dhcp="10.20.0.10", mirror="http://mirror.nyc.corp.example/ubuntu",
         wsus="http://wsus-nyc.corp.example:8530", ntp="ntp1.nyc.corp.example",
         tz_linux="America/New_York", tz_win="Eastern Standard Time", bias=0x12C, locale="en-US",
         kbd="us", gwmac="00:50:56:a2:20:01", proxy="10.20.0.80"),
    dict(code="sgp", domain="sgp.corp.example", net="10.30", dns=["10.30.0.53", "10.30.0.54"],
         gw="10.30.0.1", dhcp="10.30.0.10", mirror="http://mirror.sgp.corp.example/ubuntu",
         wsus="http://wsus-sgp.corp.example:8530", ntp="ntp1.sgp.corp.example",
         tz_linux="Asia/Singapore", tz_win="Singapore Standard Time", bias=0xFFFFFE20, locale="en-SG",
         kbd="us", gwmac="00:50:56:a3:30:01", proxy="10.30.0.80"),
]

FIRST = ["anna", "ben", "carla", "david", "elena", "felix", "grace", "hugo", "ines", "jonas", "karin",
         "leo", "maria", "nils", "olga", "paul", "quinn", "rosa", "sven", "tina", "uwe", "vera", "wei",
         "xenia", "yusuf", "zoe", "amir", "bianca", "chen", "dario", "emma", "farid", "gita", "hana"]
LAST = ["schmidt", "miller", "tanaka", "garcia", "novak", "kowalski", "nguyen", "rossi", "meyer",
        "dubois", "silva", "jensen", "okafor", "larsen", "weber", "lim", "haddad", "fischer", "young",
        "berg", "moreau", "ivanova", "chua", "keller", "suzuki", "lopez", "wagner", "tan", "patel"]


def guid(r, upper=True):
    s = "%08x-%04x-%04x-%04x-%012x" % (r.getrandbits(32), r.getrandbits(16), 0x4000 | r.getrandbits(12),
                                       0x8000 | r.getrandbits(14), r.getrandbits(48))
    return "{" + (s.upper() if upper else s) + "}"


def mac(r, oui="00:0c:29"):
    return oui + ":" + ":".join("%02x" % r.getrandbits(8) for _ in range(3))


# ---------------------------------------------------------------- .reg writing helpers
def utf16z(s):
    return (s + "\0").encode("utf-16-le")


def hexbytes(b):
    return ",".join("%02x" % x for x in b)


def sz(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def expand_sz(s):
    return "hex(2):" + hexbytes(utf16z(s))


def multi_sz(items):
    return "hex(7):" + hexbytes(b"".join(utf16z(i) for i in items) + b"\0\0")


def dword(n):
    return "dword:%08x" % (n & 0xFFFFFFFF)


def qword(n):
    return "hex(b):" + hexbytes(struct.pack("<Q", n))


def binary(b):
    return "hex(3):" + hexbytes(b)


def filetime(unix):
    return struct.pack("<Q", (int(unix) + 11644473600) * 10_000_000 + (int(unix * 1000) % 1000) * 10_000)


def systemtime(unix):
    import datetime
    d = datetime.datetime.fromtimestamp(int(unix), datetime.timezone.utc)
    return struct.pack("<8H", d.year, d.month, (d.weekday() + 1) % 7, d.day, d.hour, d.minute, d.second, 0)


def sid_bytes(sid):
    parts = sid.split("-")
    subs = [int(x) for x in parts[3:]]
    return bytes([1, len(subs)]) + int(parts[2]).to_bytes(6, "big") + b"".join(struct.pack("<I", s) for s in subs)


class Reg:
    """A .reg file for one hive; every ancestor of a written key gets its own section
    (hivexregedit --merge needs it, RECIPES.md gotcha 2)."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.out = ["Windows Registry Editor Version 5.00", ""]
        self.seen = set()

    def key(self, path, values=(), create_parents=True):
        parts = path.split("\\")
        if create_parents:
            for i in range(1, len(parts)):
                p = "\\".join(parts[:i])
                if p.lower() not in self.seen:
                    self.seen.add(p.lower())
                    self.out += ["[%s\\%s]" % (self.prefix, p), ""]
        self.seen.add(path.lower())
        self.out.append("[%s\\%s]" % (self.prefix, path))
        for name, val in values:
            self.out.append(("@" if name == "@" else sz(name)) + "=" + val)
        self.out.append("")

    def delete_key(self, path):
        self.out += ["[-%s\\%s]" % (self.prefix, path), ""]

    def text(self):
        return "\r\n".join(self.out) + "\r\n"


# ---------------------------------------------------------------- machine identity
class Machine:
    def __init__(self, os_, mid, site, role, index):
        self.os, self.id, self.site, self.role, self.index = os_, mid, site, role, index
        self.r = random.Random("%s:%s" % (SEED, mid))
        r = self.r
        num = r.randrange(1000, 9999)
        if os_ == "win":
            self.host = "%s-WS-%04d" % (site["code"].upper(), num)
        else:
            self.host = "%s-app-%02d%s" % (site["code"], r.randrange(1, 99), r.choice("abcdefgh"))
        # Accounts: the interactive user is RID/uid 1001 (Windows) or 1000 (Linux) on most
        # machines; where accounts were created and deleted before, it got the next number.
        bump = r.choices([0, 1, 2], weights=[70, 20, 10])[0]
        self.user_n = (1001 if os_ == "win" else 1000) + bump
        f, l = r.choice(FIRST), r.choice(LAST)
        self.user = (f[0] + l) if r.random() < 0.6 else (f + "." + l if os_ == "win" else f + l[0])
        self.fullname = f.capitalize() + " " + l.capitalize()
        self.extra = []  # extra local accounts: (name, number, fullname)
        if r.random() < 0.3:
            self.extra.append(("itadmin" if os_ == "win" else "opsadmin", self.user_n + 1 + r.randrange(2), "IT Admin"))
        if r.random() < 0.15:
            f2, l2 = r.choice(FIRST), r.choice(LAST)
            self.extra.append((f2[0] + l2, self.user_n + 3 + r.randrange(3), f2.capitalize() + " " + l2.capitalize()))
        self.sid = "S-1-5-21-%d-%d-%d" % (r.getrandbits(32) | 1 << 31, r.getrandbits(32) | 1 << 30, r.getrandbits(32) | 1 << 29)
        self.mac = mac(r)
        self.ip = "%s.%d.%d" % (site["net"], r.randrange(1, 60), r.randrange(2, 250))
        self.uuid = "%08x-%04x-%04x-%04x-%012x" % (r.getrandbits(32), r.getrandbits(16), r.getrandbits(16),
                                                   r.getrandbits(16), r.getrandbits(48))
        # installed between 2024-01 and 2024-10; booted / leased recently
        self.install = 1704067200 + r.randrange(0, 280 * 86400)
        self.now = 1733400000 + r.randrange(0, 20 * 86400)

    def users(self):
        return [(self.user, self.user_n, self.fullname)] + self.extra

    def subst(self):
        return {"user": self.user, "host": self.host, "sid": self.sid, "rid": str(self.user_n),
                "uid": str(self.user_n), "mac": self.mac, "ip": self.ip, "site": self.site["code"]}


# ---------------------------------------------------------------- Windows
BAM_APPS = ["Microsoft.Windows.ShellExperienceHost_cw5n1h2txyewy", "Microsoft.Windows.Cortana_cw5n1h2txyewy",
            "Microsoft.MicrosoftEdge_8wekyb3d8bbwe", "Microsoft.WindowsCalculator_8wekyb3d8bbwe",
            "Microsoft.Windows.Photos_8wekyb3d8bbwe", "Microsoft.WindowsStore_8wekyb3d8bbwe",
            "Microsoft.LockApp_cw5n1h2txyewy", "windows.immersivecontrolpanel_cw5n1h2txyewy",
            "Microsoft.Windows.SecHealthUI_cw5n1h2txyewy", "Microsoft.SkypeApp_kzf8qxf38zg5c",
            "Microsoft.ZuneVideo_8wekyb3d8bbwe", "InputApp_cw5n1h2txyewy",
            r"\Device\HarddiskVolume2\Windows\explorer.exe", r"\Device\HarddiskVolume2\Windows\regedit.exe",
            r"\Device\HarddiskVolume2\Windows\System32\cmd.exe", r"\Device\HarddiskVolume2\Windows\System32\notepad.exe",
            r"\Device\HarddiskVolume2\Windows\System32\mmc.exe", r"\Device\HarddiskVolume2\Windows\System32\taskmgr.exe",
            r"\Device\HarddiskVolume2\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
            r"\Device\HarddiskVolume2\Program Files\VMware\VMware Tools\vmtoolsd.exe",
            r"\Device\HarddiskVolume2\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE",
            r"\Device\HarddiskVolume2\Program Files\Microsoft Office\root\Office16\EXCEL.EXE",
            r"\Device\HarddiskVolume2\Program Files\Microsoft Office\root\Office16\WINWORD.EXE",
            r"\Device\HarddiskVolume2\Program Files (x86)\Google\Chrome\Application\chrome.exe",
            r"\Device\HarddiskVolume2\Program Files\7-Zip\7zFM.exe"]
BAM_USER_APPS = [r"\Device\HarddiskVolume2\Users\{user}\AppData\Local\Microsoft\OneDrive\OneDrive.exe",
                 r"\Device\HarddiskVolume2\Users\{user}\AppData\Local\Microsoft\Teams\current\Teams.exe",
                 r"\Device\HarddiskVolume2\Users\{user}\Downloads\ZoomInstaller.exe",
                 r"\Device\HarddiskVolume2\Users\{user}\AppData\Local\Programs\Microsoft VS Code\Code.exe"]
TASKS = ["Microsoft\\Windows\\Defrag\\ScheduledDefrag", "Microsoft\\Windows\\UpdateOrchestrator\\Schedule Scan",
         "Microsoft\\Windows\\WindowsUpdate\\Scheduled Start", "Microsoft\\Windows\\Time Synchronization\\SynchronizeTime",
         "Microsoft\\Windows\\Diagnosis\\Scheduled", "Microsoft\\Windows\\Maintenance\\WinSAT",
         "OneDrive Standalone Update Task-{sid}-{rid}", "GoogleUpdateTaskMachineCore"]

GOLDEN_SYSTEM = [  # the fleet's golden image settings (all machines)
    ("ControlSet001\\Control\\Terminal Server", [("fDenyTSConnections", dword(0))]),
    ("ControlSet001\\Control\\Terminal Server\\WinStations\\RDP-Tcp", [("UserAuthentication", dword(1))]),
    ("ControlSet001\\Control\\Lsa", [("LmCompatibilityLevel", dword(5))]),
    ("ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Client",
     [("Enabled", dword(1)), ("DisabledByDefault", dword(0))]),
    ("ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.2\\Server",
     [("Enabled", dword(1)), ("DisabledByDefault", dword(0))]),
    ("ControlSet001\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Client",
     [("Enabled", dword(0)), ("DisabledByDefault", dword(1))]),
    ("ControlSet001\\Services\\LanmanServer\\Parameters", [("SMB1", dword(0))]),
    ("ControlSet001\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\StandardProfile", [("EnableFirewall", dword(1))]),
    ("ControlSet001\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\DomainProfile", [("EnableFirewall", dword(1))]),
    ("ControlSet001\\Services\\Spooler", [("Start", dword(2))]),
]
GOLDEN_SOFTWARE = [
    ("Microsoft\\Windows\\CurrentVersion\\Run", [("SecurityHealth", expand_sz(r"%windir%\system32\SecurityHealthSystray.exe")),
                                                  ("VMware User Process", sz(r'"C:\Program Files\VMware\VMware Tools\vmtoolsd.exe" -n vmusr'))]),
    ("Microsoft\\Windows NT\\CurrentVersion\\Winlogon", [("Shell", sz("explorer.exe")), ("Userinit", sz("C:\\Windows\\system32\\userinit.exe,")),
                                                         ("AutoAdminLogon", sz("0")), ("CachedLogonsCount", sz("10"))]),
    ("Microsoft\\Windows NT\\CurrentVersion\\ProfileList", [("ProfilesDirectory", expand_sz(r"%SystemDrive%\Users")),
                                                            ("Default", expand_sz(r"%SystemDrive%\Users\Default")),
                                                            ("Public", expand_sz(r"%SystemDrive%\Users\Public")),
                                                            ("ProgramData", expand_sz(r"%SystemDrive%\ProgramData"))]),
    ("Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\S-1-5-18", [("ProfileImagePath", expand_sz(r"%systemroot%\system32\config\systemprofile")), ("Flags", dword(12)), ("State", dword(0))]),
    ("Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\S-1-5-19", [("ProfileImagePath", expand_sz(r"%systemroot%\ServiceProfiles\LocalService")), ("Flags", dword(0)), ("State", dword(0))]),
    ("Microsoft\\Windows NT\\CurrentVersion\\ProfileList\\S-1-5-20", [("ProfileImagePath", expand_sz(r"%systemroot%\ServiceProfiles\NetworkService")), ("Flags", dword(0)), ("State", dword(0))]),
    ("Microsoft\\Windows\\CurrentVersion\\Uninstall\\{90160000-008C-0000-1000-0000000FF1CE}", [("DisplayName", sz("Office 16 Click-to-Run Extensibility Component")), ("DisplayVersion", sz("16.0.17928.20156"))]),
    ("Microsoft\\Windows\\CurrentVersion\\Uninstall\\7-Zip", [("DisplayName", sz("7-Zip 23.01 (x64)")), ("DisplayVersion", sz("23.01")), ("Publisher", sz("Igor Pavlov"))]),
    ("Microsoft\\Windows\\CurrentVersion\\Uninstall\\{D6A4A5C3-7F15-4C44-9B3B-8D8E8C6B7F3A}", [("DisplayName", sz("VMware Tools")), ("DisplayVersion", sz("12.3.5.22544099")), ("Publisher", sz("VMware, Inc."))]),
    ("Microsoft\\Windows\\CurrentVersion\\Policies\\System", [("EnableLUA", dword(1)), ("ConsentPromptBehaviorAdmin", dword(5)), ("EnableInstallerDetection", dword(1))]),
    ("Policies\\Microsoft\\Windows\\WindowsUpdate\\AU", [("UseWUServer", dword(1)), ("NoAutoRebootWithLoggedOnUsers", dword(1)), ("AUOptions", dword(4))]),
]


def win_machine(m, inject, workdir):
    r, s = m.r, m.site
    d = os.path.join(workdir, "win", m.id)
    os.makedirs(os.path.join(d, "ntuser"), exist_ok=True)
    sub = m.subst()
    cs = "ControlSet001"
    # ---- SYSTEM
    sy = Reg("HKEY_LOCAL_MACHINE\\SYSTEM")
    sy.key(cs + "\\Control\\ComputerName\\ComputerName", [("ComputerName", sz(m.host))])
    sy.key(cs + "\\Control\\ComputerName\\ActiveComputerName", [("ComputerName", sz(m.host))])
    sy.key(cs + "\\Services\\Tcpip\\Parameters", [("Hostname", sz(m.host)), ("NV Hostname", sz(m.host)),
                                                  ("DhcpDomain", sz(s["domain"])), ("DhcpNameServer", sz(" ".join(s["dns"]))),
                                                  ("Domain", sz(s["domain"])), ("SearchList", sz(s["domain"]))])
    # the golden image's NIC is gone; this machine's NIC has its own GUID
    for g in ("{5f3f359e-9d52-4566-9bec-37efdfb25abe}", "{3f215cb0-2d43-4c99-825f-0142c4fafab5}"):
        sy.delete_key(cs + "\\Services\\Tcpip\\Parameters\\Interfaces\\" + g)
        sy.delete_key(cs + "\\Services\\Tcpip\\Parameters\\Adapters\\" + g)
        sy.delete_key(cs + "\\Control\\Network\\{4D36E972-E325-11CE-BFC1-08002BE10318}\\" + g.upper())
    nics = [guid(r, upper=False)] + ([guid(r, upper=False)] if r.random() < 0.25 else [])
    for k, g in enumerate(nics):
        lease = r.choice([28800, 86400, 691200])
        got = m.now - r.randrange(0, lease)
        opts = bytes(r.getrandbits(8) for _ in range(48))
        ip = m.ip if k == 0 else "169.254.%d.%d" % (r.randrange(1, 254), r.randrange(1, 254))
        sy.key(cs + "\\Services\\Tcpip\\Parameters\\Interfaces\\" + g, [
            ("AddressType", dword(0)), ("EnableDHCP", dword(1)), ("Domain", sz("")), ("NameServer", sz("")),
            ("DhcpIPAddress", sz(ip)), ("DhcpSubnetMask", sz("255.255.0.0")), ("DhcpServer", sz(s["dhcp"])),
            ("DhcpDefaultGateway", multi_sz([s["gw"]])), ("DhcpNameServer", sz(" ".join(s["dns"]))),
            ("DhcpDomain", sz(s["domain"])), ("DhcpSubnetMaskOpt", multi_sz(["255.255.0.0"])),
            ("DhcpGatewayHardware", binary(bytes(int(x) for x in s["gw"].split(".")) + b"\x06\0\0\0" + bytes.fromhex(s["gwmac"].replace(":", "")))),
            ("DhcpGatewayHardwareCount", dword(1)), ("DhcpInterfaceOptions", binary(opts)),
            ("Lease", dword(lease)), ("LeaseObtainedTime", dword(got)), ("LeaseTerminatesTime", dword(got + lease)),
            ("T1", dword(got + lease // 2)), ("T2", dword(got + lease * 7 // 8)), ("IsServerNapAware", dword(0))])
        sy.key(cs + "\\Services\\Tcpip\\Parameters\\Adapters\\" + g, [("IpConfig", multi_sz(["Tcpip\\Parameters\\Interfaces\\" + g])), ("LLInterface", sz(""))])
        sy.key(cs + "\\Control\\Network\\{4D36E972-E325-11CE-BFC1-08002BE10318}\\" + g.upper() + "\\Connection", [
            ("Name", sz("Ethernet%d" % k if k else "Ethernet0")), ("MediaSubType", dword(1)),
            ("PnPInstanceId", sz("PCI\\VEN_15AD&DEV_07B0&SUBSYS_07B015AD&REV_01\\FF565000%s00" % m.mac.replace(":", "")[6:].upper()))])
    sy.key(cs + "\\Control\\IDConfigDB\\Hardware Profiles\\0001", [("HwProfileGuid", sz(guid(r).lower())), ("FriendlyName", sz("Hardware Profile"))])
    # BAM: per-user activity keyed by the user's SID; the golden image's user is gone
    sy.delete_key(cs + "\\Services\\bam\\State\\UserSettings\\S-1-5-21-2595688666-2948619230-3055395256-1001")
    for (u, rid, _) in m.users():
        apps = r.sample(BAM_APPS, r.randrange(6, 16)) + [a.replace("{user}", u) for a in r.sample(BAM_USER_APPS, r.randrange(1, 4))]
        vals = [("SequenceNumber", dword(r.randrange(3, 60))), ("Version", dword(1))]
        for a in sorted(apps):
            vals.append((a, binary(filetime(m.now - r.randrange(0, 40 * 86400)) + bytes(8) + struct.pack("<II", 1 if "_" in a and "\\" not in a else 0, 2))))
        sy.key(cs + "\\Services\\bam\\State\\UserSettings\\%s-%d" % (m.sid, rid), vals)
    sy.key(cs + "\\Control\\TimeZoneInformation", [("TimeZoneKeyName", sz(s["tz_win"])), ("Bias", dword(s["bias"])), ("ActiveTimeBias", dword(s["bias"]))])
    sy.key(cs + "\\Services\\W32Time\\Parameters", [("NtpServer", sz(s["ntp"] + ",0x9")), ("Type", sz("NTP"))])
    sy.key(cs + "\\Services\\W32Time\\SecureTimeLimits", [("SecureTimeEstimated", qword(int.from_bytes(filetime(m.now), "little"))),
                                                          ("SecureTimeHigh", qword(int.from_bytes(filetime(m.now + 3000), "little"))),
                                                          ("SecureTimeLow", qword(int.from_bytes(filetime(m.now - 3000), "little")))])
    # ---- SOFTWARE
    so = Reg("HKEY_LOCAL_MACHINE\\SOFTWARE")
    cv = "Microsoft\\Windows NT\\CurrentVersion"
    ubr = 0xF28
    so.key(cv, [("InstallDate", dword(m.install)), ("InstallTime", qword(int.from_bytes(filetime(m.install), "little"))),
                ("RegisteredOwner", sz(m.fullname)), ("RegisteredOrganization", sz("Contoso")),
                ("ProductId", sz("00326-10000-00000-AA%03d" % r.randrange(100, 999))),
                ("BuildGUID", sz(guid(r, upper=False)[1:-1])), ("UBR", dword(ubr))])
    so.key(cv + "\\Winlogon", [("DefaultUserName", sz(m.user)), ("DefaultDomainName", sz(m.host)), ("LastUsedUsername", sz(m.user))])
    for (u, rid, _) in m.users():
        t = m.now - r.randrange(0, 9 * 86400)
        so.key(cv + "\\ProfileList\\%s-%d" % (m.sid, rid), [
            ("ProfileImagePath", expand_sz("C:\\Users\\" + u)), ("Flags", dword(0)), ("State", dword(0)),
            ("Sid", binary(sid_bytes("%s-%d" % (m.sid, rid)))), ("FullProfile", dword(1)),
            ("LocalProfileLoadTimeLow", dword(int.from_bytes(filetime(t)[:4], "little"))),
            ("LocalProfileLoadTimeHigh", dword(int.from_bytes(filetime(t)[4:], "little"))),
            ("ProfileAttemptedProfileDownloadTimeLow", dword(0)), ("RunLogonScriptSync", dword(0))])
    so.key("Microsoft\\Windows\\CurrentVersion\\Authentication\\LogonUI", [
        ("LastLoggedOnUser", sz(".\\" + m.user)), ("LastLoggedOnSAMUser", sz(".\\" + m.user)),
        ("LastLoggedOnDisplayName", sz(m.fullname)), ("LastLoggedOnUserSID", sz("%s-%d" % (m.sid, m.user_n))),
        ("SelectedUserSID", sz("%s-%d" % (m.sid, m.user_n)))])
    # NetworkList: one profile per network this machine has seen
    nets = [(s["domain"], 1, s["gwmac"])] + [("Network %d" % (i + 2), 0, mac(r, "f4:f2:6d")) for i in range(r.randrange(0, 3))]
    for (name, managed, gwm) in nets:
        g = guid(r)
        created = m.install + r.randrange(0, 30 * 86400)
        so.key(cv + "\\NetworkList\\Profiles\\" + g, [
            ("ProfileName", sz(name)), ("Description", sz(name)), ("Managed", dword(managed)), ("Category", dword(2 if managed else 0)),
            ("DateCreated", binary(systemtime(created))), ("DateLastConnected", binary(systemtime(m.now - r.randrange(0, 86400 * 5)))),
            ("NameType", dword(6)), ("IconType", dword(0))])
        sig = "".join("%02X" % r.getrandbits(8) for _ in range(r.choice([26, 32])))
        so.key(cv + "\\NetworkList\\Signatures\\%s\\%s" % ("Managed" if managed else "Unmanaged", sig), [
            ("ProfileGuid", sz(g)), ("Description", sz(name)), ("Source", dword(8)),
            ("DnsSuffix", sz(s["domain"] if managed else "<none>")), ("FirstNetwork", sz(name)),
            ("DefaultGatewayMac", binary(bytes.fromhex(gwm.replace(":", ""))))])
    # scheduled tasks: TaskCache keyed by GUIDs created at install time
    for t in TASKS:
        g = guid(r)
        tname = t.replace("{sid}", m.sid).replace("{rid}", str(m.user_n))
        so.key(cv + "\\Schedule\\TaskCache\\Tasks\\" + g, [("Path", sz("\\" + tname)), ("Hash", binary(bytes(r.getrandbits(8) for _ in range(32))))])
        so.key(cv + "\\Schedule\\TaskCache\\Tree\\" + tname, [("Id", sz(g)), ("Index", dword(r.choice([1, 2, 3])))])
    so.key("Policies\\Microsoft\\Windows\\WindowsUpdate", [("WUServer", sz(s["wsus"])), ("WUStatusServer", sz(s["wsus"])),
                                                           ("TargetGroup", sz("Workstations-" + s["code"].upper())), ("TargetGroupEnabled", dword(1))])
    # legitimate outliers: an extra application, a pending update
    if "extra-app" in m.role:
        so.key("Microsoft\\Windows\\CurrentVersion\\Uninstall\\ZoomUMX", [("DisplayName", sz("Zoom Workplace")), ("DisplayVersion", sz("6.2.11")), ("Publisher", sz("Zoom Video Communications, Inc."))])
        so.key("Microsoft\\Windows\\CurrentVersion\\App Paths\\Zoom.exe", [("@", sz("C:\\Program Files\\Zoom\\bin\\Zoom.exe"))])
        sy.key(cs + "\\Services\\ZoomCptService", [("Start", dword(3)), ("Type", dword(16)), ("ImagePath", expand_sz('"C:\\Program Files\\Common Files\\Zoom\\Support\\CptService.exe" -user_path "C:\\Users\\%s\\AppData\\Roaming\\Zoom"' % m.user)), ("ObjectName", sz("LocalSystem"))])
    if "pending-update" in m.role:
        so.key(cv, [("UBR", dword(0x1058))])
        so.key("Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired", [("7a3b5c1e-1f3d-4b7a-9c2e-5d6f7a8b9c0d", dword(1))])
        so.key("Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending", [])
    # ---- SAM: the golden image's user (RID 1000) is replaced by this machine's accounts
    sa = Reg("HKEY_LOCAL_MACHINE\\SAM")
    sa.delete_key("SAM\\Domains\\Account\\Users\\000003E8")
    sa.delete_key("SAM\\Domains\\Account\\Users\\Names\\Preston")
    for (u, rid, full) in m.users():
        f = bytearray(80)
        f[0:2] = b"\x02\x00"
        f[8:16] = filetime(m.now - r.randrange(0, 5 * 86400))
        f[24:32] = filetime(m.install + r.randrange(0, 86400))
        f[48:52] = struct.pack("<I", rid)
        f[56:58] = b"\x14\x02"
        f[66:68] = struct.pack("<H", r.randrange(3, 900))
        sa.key("SAM\\Domains\\Account\\Users\\%08X" % rid, [("F", binary(bytes(f))),
                                                            ("V", binary(utf16z(u) + utf16z(full) + bytes(16)))])
        sa.key("SAM\\Domains\\Account\\Users\\Names\\" + u, [("@", "hex(%x):" % rid)])
    # ---- NTUSER per account
    for (u, rid, full) in m.users():
        nt = Reg("HKEY_CURRENT_USER")
        home = "C:\\Users\\" + u
        nt.key("Volatile Environment", [("USERNAME", sz(u)), ("USERDOMAIN", sz(m.host)), ("USERDOMAIN_ROAMINGPROFILE", sz(m.host)),
                                        ("LOGONSERVER", sz("\\\\" + m.host)), ("HOMEDRIVE", sz("C:")), ("HOMEPATH", sz("\\Users\\" + u)),
                                        ("APPDATA", sz(home + "\\AppData\\Roaming")), ("LOCALAPPDATA", sz(home + "\\AppData\\Local")),
                                        ("USERPROFILE", sz(home))])
        run = [("OneDrive", sz('"%s\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background' % home))]
        if r.random() < 0.5:
            run.append(("com.squirrel.Teams.Teams", sz('%s\\AppData\\Local\\Microsoft\\Teams\\Update.exe --processStart "Teams.exe" --process-start-args "--system-initiated"' % home)))
        nt.key("Software\\Microsoft\\Windows\\CurrentVersion\\Run", run)
        nt.key("Control Panel\\Desktop", [("WallPaper", sz(home + "\\AppData\\Roaming\\Microsoft\\Windows\\Themes\\TranscodedWallpaper")),
                                          ("TranscodedImageCache", binary(bytes(r.getrandbits(8) for _ in range(40)))),
                                          ("ScreenSaveTimeOut", sz("900")), ("ScreenSaverIsSecure", sz("1"))])
        nt.key("Control Panel\\International", [("LocaleName", sz(s["locale"])), ("sTimeFormat", sz("HH:mm:ss" if s["code"] != "nyc" else "h:mm:ss tt"))])
        nt.key("Identities", [("Default User ID", sz(guid(r)))])
        nt.key("Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Shell Folders", [
            ("Desktop", sz(home + "\\Desktop")), ("Personal", sz(home + "\\Documents")), ("AppData", sz(home + "\\AppData\\Roaming"))])
        nt.key("Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings", [("ProxyEnable", dword(0)), ("ProxyOverride", sz("*." + s["domain"] + ";<local>"))])
        m.ntuser = getattr(m, "ntuser", {})
        m.ntuser[u] = nt
    # ---- hosts
    hosts = open(os.path.join(CORPUS, "linux-etc/velociraptor/windows-hosts"), newline="").read()
    hosts += "%s\tproxy.%s\r\n" % (s["proxy"], s["domain"])
    if r.random() < 0.2:
        hosts += "10.%d.%d.%d\tdevbox-%s.%s\r\n" % (r.choice([10, 20, 30]), r.randrange(1, 60), r.randrange(2, 250), m.user.split(".")[0], s["domain"])
    m.hosts = hosts
    # ---- VM configuration (a real Workstation .vmx with this machine's identity)
    vmx = open(os.path.join(CORPUS, "vmconfig/vmx/v2v-test-i-vmx-5.vmx")).read()
    ub = " ".join("%02x" % r.getrandbits(8) for _ in range(16))
    ub = ub[:23] + "-" + ub[24:]
    repl = {'displayName = "MSEdge - Win10_preview"': 'displayName = "%s"' % m.host,
            'uuid.bios = "56 4d 54 59 5d 0c 51 8d-d3 40 38 4f fe bf e4 5d"': 'uuid.bios = "%s"' % ub,
            'uuid.location = "56 4d 54 59 5d 0c 51 8d-d3 40 38 4f fe bf e4 5d"': 'uuid.location = "%s"' % ub,
            'ethernet0.generatedAddress = "00:0c:29:bf:e4:5d"': 'ethernet0.generatedAddress = "%s"' % m.mac,
            'memsize = "2048"': 'memsize = "%d"' % (8192 if "bigmem" in m.role else 4096),
            'nvram = "MSEdge - Win10_preview.nvram"': 'nvram = "%s.nvram"' % m.host,
            'extendedConfigFile = "MSEdge - Win10_preview.vmxf"': 'extendedConfigFile = "%s.vmxf"' % m.host,
            'migrate.hostlog = ".\\MSEdge - Win10_preview-aee69569.hlog"': 'migrate.hostlog = ".\\%s-%08x.hlog"' % (m.host, r.getrandbits(32)),
            'vm.genid = "-570734802784577186"': 'vm.genid = "%d"' % (r.getrandbits(63) - 2**62),
            'vm.genidx = "-5042519231342505152"': 'vm.genidx = "%d"' % (r.getrandbits(63) - 2**62),
            'vmci0.id = "-20978595"': 'vmci0.id = "%d"' % (r.getrandbits(31) - 2**30),
            'scsi0.sasWWID = "50 05 05 69 5d 0c 51 80"': 'scsi0.sasWWID = "50 05 05 %s"' % " ".join("%02x" % r.getrandbits(8) for _ in range(5)),
            'scsi0:0.fileName = "MSEdge-Win10_preview.vmdk"': 'scsi0:0.fileName = "{disk}"'}
    for a, b in repl.items():
        assert a in vmx, a
        vmx = vmx.replace(a, b)
    m.config = vmx
    # ---- the fault (or the legitimately shared value)
    for op in inject:
        apply_win(m, op, {"SYSTEM": sy, "SOFTWARE": so, "SAM": sa})
    # ---- write
    def w(name, text, nl=""):
        with open(os.path.join(d, name), "w", newline=nl, encoding="utf-8") as f:
            f.write(text)
    w("system.reg", sy.text())
    w("software.reg", so.text())
    w("sam.reg", sa.text())
    for u, nt in m.ntuser.items():
        w(os.path.join("ntuser", u + ".reg"), nt.text())
    w("hosts", m.hosts)
    w("vm.vmx", m.config, "\n")


def fill(text, sub):
    for k, v in sub.items():
        text = text.replace("{" + k + "}", v)
    return text


def reg_value(v, sub):
    if v == "-":
        return "-"
    if "sz" in v:
        return sz(fill(v["sz"], sub))
    if "dword" in v:
        return dword(v["dword"])
    if "expand_sz" in v:
        return expand_sz(fill(v["expand_sz"], sub))
    raise ValueError(v)


def apply_win(m, op, regs):
    sub = m.subst()
    kind = op["op"]
    if kind in ("reg", "regdelkey"):
        hive = op["hive"]
        reg = m.ntuser[m.user] if hive == "NTUSER" else regs[hive]
        key = fill(op["key"], sub)
        if kind == "regdelkey":
            reg.delete_key(key)
        else:
            reg.key(key, [(op["name"], reg_value(op["value"], sub))])
    elif kind == "hosts-append":
        m.hosts += fill(op["line"], sub) + "\r\n"
    elif kind == "config-sed":
        assert op["from"] in m.config, op
        m.config = m.config.replace(op["from"], fill(op["to"], sub))
    else:
        raise ValueError(op)


# ---------------------------------------------------------------- Linux
PKGS = [  # name, version, section, priority, installed size (Ubuntu 22.04 jammy-updates)
    ("adduser", "3.118ubuntu5", "admin", "important", 624), ("apt", "2.4.13", "admin", "important", 4156),
    ("base-files", "12ubuntu4.6", "admin", "required", 394), ("bash", "5.1-6ubuntu1.1", "shells", "required", 1864),
    ("bind9-libs", "1:9.18.28-0ubuntu0.22.04.1", "libs", "optional", 3280), ("ca-certificates", "20240203~22.04.1", "misc", "optional", 386),
    ("cloud-init", "24.3.1-0ubuntu0~22.04.1", "admin", "optional", 3015), ("coreutils", "8.32-4.1ubuntu1.2", "utils", "required", 7112),
    ("cron", "3.0pl1-137ubuntu3", "admin", "standard", 244), ("curl", "7.81.0-1ubuntu1.18", "web", "optional", 454),
    ("dbus", "1.12.20-2ubuntu4.1", "admin", "standard", 600), ("dpkg", "1.21.1ubuntu2.3", "admin", "required", 6740),
    ("e2fsprogs", "1.46.5-2ubuntu1.2", "admin", "required", 1516), ("grub-pc", "2.06-2ubuntu7.2", "admin", "optional", 599),
    ("libc6", "2.35-0ubuntu3.8", "libs", "optional", 13592), ("libpam-modules", "1.4.0-11ubuntu2.4", "admin", "required", 1048),
    ("libssl3", "3.0.2-0ubuntu1.18", "libs", "optional", 5849), ("linux-image-5.15.0-125-generic", "5.15.0-125.135", "kernel", "optional", 11880),
    ("logrotate", "3.19.0-1ubuntu1.1", "admin", "important", 192), ("netplan.io", "0.107.1-3ubuntu0.22.04.1", "net", "important", 328),
    ("open-vm-tools", "2:12.3.5-3~ubuntu0.22.04.1", "admin", "optional", 3316), ("openssh-server", "1:8.9p1-3ubuntu0.10", "net", "optional", 1465),
    ("openssl", "3.0.2-0ubuntu1.18", "utils", "optional", 2098), ("python3", "3.10.6-1~22.04.1", "python", "important", 95),
    ("rsyslog", "8.2112.0-2ubuntu2.2", "admin", "important", 1708), ("sudo", "1.9.9-1ubuntu2.4", "admin", "optional", 2504),
    ("systemd", "249.11-0ubuntu3.12", "admin", "important", 16460), ("systemd-timesyncd", "249.11-0ubuntu3.12", "admin", "optional", 141),
    ("tzdata", "2024a-0ubuntu0.22.04.1", "localization", "important", 3876), ("ubuntu-minimal", "1.481.4", "metapackages", "important", 9),
    ("vim", "2:8.2.3995-1ubuntu2.21", "editors", "optional", 3954), ("zabbix-agent", "1:6.0.33-1+ubuntu22.04", "net", "optional", 1210),
]
UB_SYS_USERS = [("systemd-network", 100, 102, "systemd Network Management,,,", "/run/systemd", "/usr/sbin/nologin"),
                ("systemd-resolve", 101, 103, "systemd Resolver,,,", "/run/systemd", "/usr/sbin/nologin"),
                ("messagebus", 102, 105, "", "/nonexistent", "/usr/sbin/nologin"),
                ("systemd-timesync", 103, 106, "systemd Time Synchronization,,,", "/run/systemd", "/usr/sbin/nologin"),
                ("syslog", 104, 111, "", "/home/syslog", "/usr/sbin/nologin"),
                ("uuidd", 105, 112, "", "/run/uuidd", "/usr/sbin/nologin"),
                ("tcpdump", 106, 113, "", "/nonexistent", "/usr/sbin/nologin"),
                ("sshd", 107, 65534, "", "/run/sshd", "/usr/sbin/nologin"),
                ("zabbix", 108, 115, "", "/nonexistent", "/usr/sbin/nologin")]
UB_SYS_GROUPS = [("systemd-journal", 101), ("systemd-network", 102), ("systemd-resolve", 103), ("crontab", 104),
                 ("messagebus", 105), ("systemd-timesync", 106), ("input", 107), ("sgx", 108), ("kvm", 109),
                 ("render", 110), ("syslog", 111), ("uuidd", 112), ("tcpdump", 113), ("_ssh", 114), ("zabbix", 115)]

PAM_COMMON = {
    "common-auth": "auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\tpam_permit.so\nauth\toptional\t\t\tpam_cap.so\n",
    "common-account": "account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so\naccount\trequisite\t\t\tpam_deny.so\naccount\trequired\t\t\tpam_permit.so\n",
    "common-password": "password\trequisite\t\t\tpam_pwquality.so retry=3 minlen=12\npassword\t[success=1 default=ignore]\tpam_unix.so obscure use_authtok try_first_pass yescrypt\npassword\trequisite\t\t\tpam_deny.so\npassword\trequired\t\t\tpam_permit.so\n",
    "common-session": "session\t[default=1]\t\t\tpam_permit.so\nsession\trequisite\t\t\tpam_deny.so\nsession\trequired\t\t\tpam_permit.so\nsession optional\t\t\tpam_umask.so\nsession\trequired\tpam_unix.so\nsession\toptional\tpam_systemd.so\n",
    "sshd": "@include common-auth\naccount    required     pam_nologin.so\n@include common-account\nsession [success=ok ignore=ignore module_unknown=ignore default=bad]        pam_selinux.so close\nsession    required     pam_loginuid.so\nsession    optional     pam_keyinit.so force revoke\n@include common-session\nsession    optional     pam_motd.so  motd=/run/motd.dynamic\nsession    optional     pam_mail.so standard noenv\nsession    required     pam_limits.so\nsession    required     pam_env.so\nsession    required     pam_env.so user_readenv=1 envfile=/etc/default/locale\n@include common-password\n",
}
WANTS = {"multi-user.target.wants": ["ssh.service", "cron.service", "rsyslog.service", "systemd-resolved.service",
                                     "open-vm-tools.service", "zabbix-agent.service", "networkd-dispatcher.service", "ufw.service"],
         "timers.target.wants": ["apt-daily.timer", "apt-daily-upgrade.timer", "logrotate.timer", "e2scrub_all.timer", "fstrim.timer"],
         "sysinit.target.wants": ["systemd-timesyncd.service", "systemd-pstore.service"],
         "cloud-init.target.wants": ["cloud-init.service", "cloud-config.service", "cloud-final.service", "cloud-init-local.service"]}


def lin_machine(m, inject, workdir):
    r, s = m.r, m.site
    d = os.path.join(workdir, "lin", m.id)
    t = os.path.join(d, "tree")
    files = {}  # path -> text
    links = {}  # path -> target
    E = lambda p: open(os.path.join(CORPUS, "linux-etc", p)).read()
    fqdn = m.host + "." + s["domain"]
    files["/etc/hostname"] = m.host + "\n"
    files["/etc/mailname"] = fqdn + "\n"
    files["/etc/hosts"] = "127.0.0.1\tlocalhost\n127.0.1.1\t%s %s\n%s\t%s %s\n\n# The following lines are desirable for IPv6 capable hosts\n::1     ip6-localhost ip6-loopback\nfe00::0 ip6-localnet\nff00::0 ip6-mcastprefix\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters\n%s\tproxy.%s\n" % (fqdn, m.host, m.ip, fqdn, m.host, s["proxy"], s["domain"])
    mid = "%032x" % r.getrandbits(128)
    files["/etc/machine-id"] = mid + "\n"
    files["/var/lib/dbus/machine-id"] = mid + "\n"
    # accounts
    passwd = [l for l in E("velociraptor/linux/passwd").splitlines() if not l.startswith("testuser") and not l.startswith("_apt")]
    passwd.append("_apt:x:109:65534::/nonexistent:/usr/sbin/nologin")
    passwd = [l for l in passwd if l]
    for (n, uid, gid, gecos, home, sh) in UB_SYS_USERS:
        passwd.append("%s:x:%d:%d:%s:%s:%s" % (n, uid, gid, gecos, home, sh))
    group = [l for l in E("velociraptor/linux/group").splitlines() if l and not l.startswith(("testuser", "group"))]
    group += ["%s:x:%d:" % g for g in UB_SYS_GROUPS]
    members = {"adm": ["syslog"], "sudo": [], "cdrom": [], "dip": [], "plugdev": [], "lxd": [], "users": []}
    group.append("lxd:x:116:")
    for (u, uid, full) in m.users():
        passwd.append("%s:x:%d:%d:%s,,,:/home/%s:/bin/bash" % (u, uid, uid, full, u))
        group.append("%s:x:%d:" % (u, uid))
        if u == m.user or u == "opsadmin":
            for g in ("adm", "cdrom", "sudo", "dip", "plugdev", "lxd"):
                members[g].append(u)
    if "extra-app-docker" in m.role:
        group.append("docker:x:999:%s" % m.user)
    group = [l + ",".join(members.get(l.split(":")[0], [])) if l.endswith(":") else l for l in group]
    files["/etc/passwd"] = "\n".join(passwd) + "\n"
    files["/etc/group"] = "\n".join(group) + "\n"
    day = (m.install // 86400)
    b64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    rs = lambda n: "".join(r.choice(b64) for _ in range(n))
    files["/etc/shadow"] = "".join("%s:%s:%d:0:99999:7:::\n" % (l.split(":")[0], ("$y$j9T$%s$%s" % (rs(22), rs(43))) if int(l.split(":")[2]) >= 1000 and l.split(":")[0] != "nobody" else ("!" if l.startswith("root") else "*"), day + (r.randrange(0, 200) if int(l.split(":")[2]) >= 1000 else 0)) for l in passwd)
    files["/etc/gshadow"] = "".join("%s:%s::%s\n" % (l.split(":")[0], "!" if not l.startswith("root") else "*", l.split(":")[3]) for l in group)
    # file systems
    rootuuid = m.uuid
    efi = "%04X-%04X" % (r.getrandbits(16), r.getrandbits(16))
    files["/etc/fstab"] = ("# /etc/fstab: static file system information.\n#\n# <file system> <mount point>   <type>  <options>       <dump>  <pass>\n"
                           "# / was on /dev/sda2 during curtin installation\n/dev/disk/by-uuid/%s / ext4 defaults 0 1\n"
                           "# /boot/efi was on /dev/sda1 during curtin installation\n/dev/disk/by-uuid/%s /boot/efi vfat defaults 0 1\n"
                           "/swap.img\tnone\tswap\tsw\t0\t0\ntmpfs\t/tmp\ttmpfs\tdefaults,nosuid,nodev,size=2G\t0\t0\n"
                           "nfs.%s:/export/shared\t/mnt/shared\tnfs\tdefaults,_netdev,vers=4.1\t0\t0\n") % (rootuuid, efi, s["domain"])
    # network: netplan written by cloud-init with this machine's MAC and address; DNS by site
    files["/etc/netplan/50-cloud-init.yaml"] = ("# This file is generated from information provided by the datasource.  Changes\n# to it will not persist across an instance reboot.\nnetwork:\n    ethernets:\n        ens160:\n"
                                                "            match:\n                macaddress: '%s'\n            set-name: ens160\n            addresses:\n            - %s/16\n"
                                                "            routes:\n            -   to: default\n                via: %s\n            nameservers:\n                addresses:\n                - %s\n                - %s\n"
                                                "                search:\n                - %s\n    version: 2\n") % (m.mac, m.ip, s["gw"], s["dns"][0], s["dns"][1], s["domain"])
    files["/etc/resolv.conf"] = "# This is /run/systemd/resolve/stub-resolv.conf managed by man:systemd-resolved(8).\n# Do not edit.\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch %s\n" % s["domain"]
    files["/etc/cloud/cloud.cfg.d/99-installer.cfg"] = "datasource_list: [ VMware, OVF, None ]\npreserve_hostname: true\n"
    files["/etc/cloud/cloud.cfg.d/90_dpkg.cfg"] = "datasource_list: [ NoCloud, ConfigDrive, OpenNebula, DigitalOcean, Azure, AltCloud, OVF, MAAS, GCE, OpenStack, CloudSigma, SmartOS, Bigstep, Scaleway, AliYun, Ec2, CloudStack, Hetzner, IBMCloud, Oracle, Exoscale, RbxCloud, UpCloud, VMware, Vultr, LXD, NWCS, None ]\n"
    iid = "vm-%d" % r.randrange(1000, 99999)
    files["/var/lib/cloud/data/instance-id"] = iid + "\n"
    files["/var/lib/cloud/data/previous-hostname"] = m.host + "\n"
    files["/var/lib/cloud/instances/%s/datasource" % iid] = "DataSourceVMware: vmware-rpctool\n"
    links["/var/lib/cloud/instance"] = "/var/lib/cloud/instances/" + iid
    # time by site
    files["/etc/timezone"] = s["tz_linux"] + "\n"
    links["/etc/localtime"] = "/usr/share/zoneinfo/" + s["tz_linux"]
    files["/etc/systemd/timesyncd.conf"] = "[Time]\nNTP=%s\nFallbackNTP=ntp.ubuntu.com\n" % s["ntp"]
    files["/etc/systemd/journald.conf"] = "[Journal]\nStorage=persistent\nSystemMaxUse=500M\n"
    files["/etc/systemd/resolved.conf"] = "[Resolve]\n#DNS=\n#FallbackDNS=\nDNSStubListener=yes\n"
    files["/etc/default/keyboard"] = 'XKBMODEL="pc105"\nXKBLAYOUT="%s"\nXKBVARIANT=""\nXKBOPTIONS=""\nBACKSPACE="guess"\n' % s["kbd"]
    files["/etc/default/locale"] = "LANG=en_US.UTF-8\n"
    files["/etc/default/grub"] = 'GRUB_DEFAULT=0\nGRUB_TIMEOUT_STYLE=hidden\nGRUB_TIMEOUT=0\nGRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\nGRUB_CMDLINE_LINUX_DEFAULT=""\nGRUB_CMDLINE_LINUX=""\n'
    files["/etc/os-release"] = 'PRETTY_NAME="Ubuntu 22.04.5 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nVERSION="22.04.5 LTS (Jammy Jellyfish)"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nHOME_URL="https://www.ubuntu.com/"\nSUPPORT_URL="https://help.ubuntu.com/"\nBUG_REPORT_URL="https://bugs.launchpad.net/ubuntu/"\nPRIVACY_POLICY_URL="https://www.ubuntu.com/legal/terms-and-policies/privacy-policy"\nUBUNTU_CODENAME=jammy\n'
    files["/etc/environment"] = 'PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:/usr/local/games:/snap/bin"\n'
    # apt: the real jammy sources.list, pointed at the site's mirror
    src = E("velociraptor/debian/sources.list/sources.list").replace("http://archive.ubuntu.com/ubuntu", s["mirror"]).replace("http://us.archive.ubuntu.com/ubuntu", s["mirror"])
    files["/etc/apt/sources.list"] = src
    files["/etc/apt/sources.list.d/corp-tools.list"] = "deb [signed-by=/usr/share/keyrings/corp.gpg] http://repo.corp.example/apt jammy main\n"
    files["/etc/apt/apt.conf.d/20auto-upgrades"] = 'APT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\n'
    # ssh: the real sshd_config of the corpus, hardened the same way on every machine
    sshd = E("augeas-root/etc/ssh/sshd_config").replace("\nPasswordAuthentication yes\n", "\nPasswordAuthentication no\n")
    sshd = sshd.replace("\nProtocol 2\n", "\nProtocol 2\nPermitRootLogin prohibit-password\n")
    files["/etc/ssh/sshd_config"] = sshd
    files["/etc/ssh/ssh_config"] = E("augeas-root/etc/ssh/ssh_config")
    for kt, n in (("ed25519", 68), ("ecdsa-sha2-nistp256", 140), ("rsa", 544)):
        blob = "AAAA" + "".join(r.choice(b64[2:] + "+/") for _ in range(n))
        files["/etc/ssh/ssh_host_%s_key.pub" % kt.split("-")[0]] = "%s %s root@%s\n" % ("ssh-" + kt if kt != "ecdsa-sha2-nistp256" else kt, blob, m.host)
    # the rest of /etc from the corpus and Ubuntu's defaults
    for p in ("sudoers", "sysctl.conf", "krb5.conf", "security/limits.conf", "pam.d/login"):
        files["/etc/" + p] = E("augeas-root/etc/" + p)
    files["/etc/sudoers.d/README"] = "#\n# Files in /etc/sudoers.d are parsed in sorted lexical order.\n#\n"
    files["/etc/sudoers.d/10-corp-admins"] = "%corp-admins ALL=(ALL:ALL) ALL\n"
    files["/etc/sysctl.d/60-corp.conf"] = "vm.swappiness = 10\nnet.core.somaxconn = 1024\nfs.inotify.max_user_watches = 524288\n"
    files["/etc/security/limits.d/90-corp.conf"] = "*\tsoft\tnofile\t65536\n*\thard\tnofile\t65536\n"
    for n, txt in PAM_COMMON.items():
        files["/etc/pam.d/" + n] = txt
    files["/etc/modprobe.d/blacklist.conf"] = "# This file lists those modules which we don't want to be loaded by\n# alias expansion, usually so some other driver will be loaded for the\n# device instead.\nblacklist evbug\nblacklist usbmouse\nblacklist usbkbd\nblacklist eepro100\nblacklist de4x5\nblacklist eth1394\nblacklist snd_intel8x0m\nblacklist snd_aw2\nblacklist prism54\nblacklist bcm43xx\nblacklist garmin_gps\nblacklist asus_acpi\nblacklist snd_pcsp\nblacklist pcspkr\nblacklist amd76x_edac\n"
    files["/etc/logrotate.conf"] = "weekly\nsu root adm\nrotate 4\ncreate\ninclude /etc/logrotate.d\n"
    files["/etc/logrotate.d/rsyslog"] = "/var/log/syslog\n{\n\trotate 7\n\tdaily\n\tmissingok\n\tnotifempty\n\tcompress\n}\n"
    files["/etc/nsswitch.conf"] = "passwd:         files systemd\ngroup:          files systemd\nshadow:         files\ngshadow:        files\n\nhosts:          files dns\nnetworks:       files\n\nprotocols:      db files\nservices:       db files\nethers:         db files\nrpc:            db files\n\nnetgroup:       nis\n"
    files["/etc/zabbix/zabbix_agentd.conf"] = "PidFile=/run/zabbix/zabbix_agentd.pid\nLogFile=/var/log/zabbix-agent/zabbix_agentd.log\nServer=zabbix.%s\nServerActive=zabbix.%s\nHostname=%s\nInclude=/etc/zabbix/zabbix_agentd.conf.d/*.conf\n" % (s["domain"], s["domain"], m.host)
    # cron: Ubuntu's crontab, popularity-contest picks its minute at install, a backup job per machine
    files["/etc/crontab"] = ("SHELL=/bin/sh\nPATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin\n\n"
                             "17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly\n25 6\t* * *\troot\ttest -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )\n"
                             "47 6\t* * 7\troot\ttest -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.weekly )\n52 6\t1 * *\troot\ttest -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.monthly )\n")
    files["/etc/cron.d/popularity-contest"] = "SHELL=/bin/sh\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n%d %d * * *   root    test -x /etc/cron.daily/popularity-contest && /etc/cron.daily/popularity-contest --crond\n" % (r.randrange(60), r.randrange(24))
    files["/etc/cron.d/e2scrub_all"] = "30 3 * * 0 root test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron\n10 3 * * * root test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r\n"
    files["/etc/cron.d/backup"] = "MAILTO=ops@corp.example\n%d %d * * * root /usr/local/sbin/backup.sh --target nfs.%s >/dev/null 2>&1\n" % (r.randrange(60), r.choice([1, 2, 3, 4]), s["domain"])
    # systemd: enabled units are symlinks into /lib/systemd/system
    for wd, units in WANTS.items():
        for u in units:
            links["/etc/systemd/system/%s/%s" % (wd, u)] = "/lib/systemd/system/" + u
    links["/etc/systemd/system/sshd.service"] = "/lib/systemd/system/ssh.service"
    links["/etc/systemd/system/dbus-org.freedesktop.resolve1.service"] = "/lib/systemd/system/systemd-resolved.service"
    files["/etc/systemd/system/zabbix-agent.service.d/override.conf"] = "[Service]\nRestart=always\nRestartSec=30\n"
    # packages; legitimate outliers
    pk = list(PKGS)
    if "pending-update" in m.role:
        pk = [(n, v.replace("3.0.2-0ubuntu1.18", "3.0.2-0ubuntu1.19"), *x) for (n, v, *x) in pk]
        files["/var/run/reboot-required"] = "*** System restart required ***\n"
    if "extra-app" in m.role:
        pk += [("nginx", "1.18.0-6ubuntu14.5", "httpd", "optional", 1350), ("nginx-common", "1.18.0-6ubuntu14.5", "httpd", "optional", 420)]
        links["/etc/systemd/system/multi-user.target.wants/nginx.service"] = "/lib/systemd/system/nginx.service"
        files["/etc/nginx/nginx.conf"] = "user www-data;\nworker_processes auto;\npid /run/nginx.pid;\ninclude /etc/nginx/modules-enabled/*.conf;\nevents {\n\tworker_connections 768;\n}\n"
        files["/etc/logrotate.d/nginx"] = "/var/log/nginx/*.log {\n\tdaily\n\tmissingok\n\trotate 14\n\tcompress\n}\n"
    if "extra-app-docker" in m.role:
        pk += [("docker-ce", "5:27.3.1-1~ubuntu.22.04~jammy", "admin", "optional", 107000), ("containerd.io", "1.7.22-1", "devel", "optional", 123000)]
        files["/etc/apt/sources.list.d/docker.list"] = "deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu jammy stable\n"
        links["/etc/systemd/system/multi-user.target.wants/docker.service"] = "/lib/systemd/system/docker.service"
        links["/etc/systemd/system/sockets.target.wants/docker.socket"] = "/lib/systemd/system/docker.socket"
    st = []
    for (n, v, sec, prio, size) in sorted(pk):
        st.append("Package: %s\nStatus: install ok installed\nPriority: %s\nSection: %s\nInstalled-Size: %d\nMaintainer: Ubuntu Developers <ubuntu-devel-discuss@lists.ubuntu.com>\nArchitecture: amd64\nVersion: %s\nDescription: %s\n" % (n, prio, sec, size, v, n))
    files["/var/lib/dpkg/status"] = "\n".join(st)
    # logs of a machine that has lived for months
    for lg, lo, hi in (("syslog", 800, 9000), ("auth.log", 30, 900), ("dpkg.log", 200, 1500), ("kern.log", 100, 2000), ("cloud-init.log", 300, 700)):
        n = r.randrange(lo, hi)
        files["/var/log/" + lg] = "".join("Dec  %d 0%d:%02d:%02d %s %s[%d]: message %d\n" % (1 + i % 7, i % 10, i % 60, (i * 7) % 60, m.host, lg.split(".")[0], 100 + i % 900, i) for i in range(n))
    # VM configuration: a real libvirt domain with this machine's identity
    xml = open(os.path.join(CORPUS, "vmconfig/libvirt/virt-install-kvm-centos7.xml")).read().split("</domain>")[0] + "</domain>\n"
    xml = xml.replace("<name>centos7.0</name>", "<name>%s</name>" % m.host).replace("00000000-1111-2222-3333-444444444444", m.uuid)
    xml = xml.replace('<mac address="00:11:22:33:44:55"/>', '<mac address="%s"/>' % m.mac).replace("/pool-dir/testvol1.img", "/var/lib/libvirt/images/{disk}")
    xml = xml.replace("<memory>65536</memory>", "<memory>%d</memory>" % (8388608 if "bigmem" in m.role else 4194304))
    xml = xml.replace("<currentMemory>65536</currentMemory>", "<currentMemory>%d</currentMemory>" % (8388608 if "bigmem" in m.role else 4194304))
    xml = xml.replace('<source bridge="testsuitebr0"/>', '<source bridge="br-%s"/>' % s["code"])
    m.config = xml
    # the fault
    sub = m.subst()
    for op in inject:
        kind = op["op"]
        p = fill(op.get("path", ""), sub)
        if kind == "write":
            files[p] = fill(op["text"], sub)
            links.pop(p, None)
        elif kind == "append":
            files[p] += fill(op["text"], sub)
        elif kind == "sed":
            import re
            new = re.sub(fill(op["from"], sub), fill(op["to"], sub), files[p], count=1, flags=re.M)
            assert new != files[p], op
            files[p] = new
        elif kind == "delete":
            assert p in files or p in links, op
            files.pop(p, None)
            links.pop(p, None)
        elif kind == "config-sed":
            assert op["from"] in m.config, op
            m.config = m.config.replace(op["from"], fill(op["to"], sub))
        else:
            raise ValueError(op)
    # write the tree
    for p, txt in files.items():
        f = t + p
        os.makedirs(os.path.dirname(f), exist_ok=True)
        with open(f, "w") as fh:
            fh.write(txt)
    for p, tgt in links.items():
        f = t + p
        os.makedirs(os.path.dirname(f), exist_ok=True)
        os.symlink(tgt, f)
    for p in ("/etc/shadow", "/etc/gshadow"):
        os.chmod(t + p, 0o640)
    os.chmod(t + "/etc/sudoers", 0o440)
    with open(os.path.join(d, "vm.xml"), "w") as fh:
        fh.write(m.config)


# ---------------------------------------------------------------- fleet
def main():
    global CORPUS
    CORPUS, work = sys.argv[1], sys.argv[2]
    small = "--small" in sys.argv[3:]
    cases = json.load(open(os.path.join(HERE, "cases.json")))["cases"]
    if small:
        cases = [c for c in cases if c.get("small")]
    npeers = 8 if small else 20
    r = random.Random(SEED + ":fleet")
    fleet = {"small": small, "peers": {}, "cases": []}
    machines = []
    golden_sys = Reg("HKEY_LOCAL_MACHINE\\SYSTEM")
    for k, v in GOLDEN_SYSTEM:
        golden_sys.key(k, v)
    golden_sw = Reg("HKEY_LOCAL_MACHINE\\SOFTWARE")
    for k, v in GOLDEN_SOFTWARE:
        golden_sw.key(k, v)
    os.makedirs(work, exist_ok=True)
    for name, reg in (("golden-system.reg", golden_sys), ("golden-software.reg", golden_sw)):
        with open(os.path.join(work, name), "w", newline="") as f:
            f.write(reg.text())
    for os_ in ("win", "lin"):
        ids = ["%s-peer%02d" % (os_, i + 1) for i in range(npeers)]
        # legitimate outliers among the peers: 3 with an extra application, 2-3 with a pending
        # update, 2 with more memory, 2 (Linux) with Docker
        pool = list(ids)
        r.shuffle(pool)
        roles = {i: [] for i in ids}
        for i in pool[:3]:
            roles[i].append("extra-app")
        for i in pool[3:3 + (3 if npeers >= 20 else 2)]:
            roles[i].append("pending-update")
        for i in pool[6:8]:
            roles[i].append("bigmem")
        if os_ == "lin":
            for i in pool[1:3] if npeers < 20 else pool[8:10]:
                roles[i].append("extra-app-docker")
        os_cases = [c for c in cases if c["os"] == os_]
        # peers that legitimately share a case's culprit value (2-3 cases have 1-2 of them)
        shared = {}
        rest = [i for i in pool if not roles[i]] + [i for i in pool if roles[i]]
        for c in os_cases:
            for k in range(c.get("shared", 0)):
                shared.setdefault(rest.pop(0), []).append(c)
        peers = []
        for n, i in enumerate(ids):
            m = Machine(os_, i, SITES[n % 3], roles[i], n)
            inject = [op for c in shared.get(i, []) for op in c["inject"]]
            machines.append((m, inject))
            peers.append(i)
        fleet["peers"][os_] = peers
        for n, c in enumerate(os_cases):
            i = "%s-t-%s" % (os_, c["name"])
            m = Machine(os_, i, SITES[(n + 1) % 3], [], 100 + n)
            machines.append((m, c["inject"]))
            fleet["cases"].append({"name": c["name"], "os": os_, "target": i, "subst": m.subst(),
                                   "shared_by": [p for p, cs in shared.items() if c in cs]})
    fleet["machines"] = {}
    for n, (m, inject) in enumerate(machines):
        (win_machine if m.os == "win" else lin_machine)(m, inject, work)
        meta = {"id": m.id, "os": m.os, "host": m.host, "user": m.user, "site": m.site["code"], "roles": m.role, "index": n}
        fleet["machines"][m.id] = meta
        with open(os.path.join(work, m.os, m.id, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1, sort_keys=True)
    with open(os.path.join(work, "fleet.json"), "w") as f:
        json.dump(fleet, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
