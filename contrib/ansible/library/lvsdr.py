#!/usr/bin/python
# -*- coding: utf-8 -*-
# Ansible module for lvsdr(8): bring a host of an LVS direct-routing cluster
# to the state of its lvsdr profile, and report what lvsdr changed.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: lvsdr
short_description: Apply, release or verify an lvsdr profile (LVS direct routing)
description:
  - Runs lvsdr(8) with a profile (lvsdr.ini(5)) already on the host, usually
    written by a template task just before.
  - C(changed) comes from lvsdr's own plan (its --json output), never from a
    guess; check mode plans without changing anything, and diff mode shows the
    knob values and VIPs before and after.
options:
  profile:
    description: Path of the lvsdr profile on the managed host.
    type: path
    required: true
  state:
    description:
      - C(applied) runs C(lvsdr apply): ARP knobs, then VIPs. On a director the
        VIPs it binds are announced.
      - C(released) runs C(lvsdr release): the VIPs lvsdr bound are removed,
        the knobs stay.
      - C(verified) runs C(lvsdr verify) and fails on any drift; it never
        changes the host.
    type: str
    choices: [applied, released, verified]
    default: applied
  verify_state:
    description:
      - With C(state=verified), which VIPs to expect on a director (lvsdr verify
        --state). C(master) wants them bound, C(backup) absent, C(any) either.
    type: str
    choices: [master, backup, any]
    default: master
  binary:
    description: The lvsdr program, a name looked up in PATH or a full path.
    type: str
    default: lvsdr
  boot:
    description:
      - With C(state=applied), run C(lvsdr apply --boot), as lvsdr@.service
        does. On a director only the knobs and the IPVS services are applied:
        its VIPs belong to keepalived, which hands them to one director at a
        time. On a real server it is the whole apply.
    type: bool
    default: false
notes:
  - Needs root on the managed host (become), like lvsdr itself. As root, lvsdr
    refuses a profile another user could have written: template it with
    C(owner=root) and C(mode=0644).
  - In check mode a profile that does not exist yet (the template task before
    did not write it) cannot be planned; the task then reports C(changed) with
    a warning.
'''

EXAMPLES = r'''
- name: Real-server profile
  ansible.builtin.template:
    src: realserver.ini.j2
    dest: /etc/lvsdr/realserver.ini
    owner: root
    group: root
    mode: "0644"

- name: Apply it
  lvsdr:
    profile: /etc/lvsdr/realserver.ini

- name: Drain this real server (VIPs off lo)
  lvsdr:
    profile: /etc/lvsdr/realserver.ini
    state: released

- name: Audit a backup director
  lvsdr:
    profile: /etc/lvsdr/director.ini
    state: verified
    verify_state: backup
'''

RETURN = r'''
plan:
  description: lvsdr's JSON plan (schema in lvsdr-output(5)), computed before the run.
  returned: when lvsdr printed one
  type: dict
changes:
  description: The changes lvsdr made, or in check mode would make.
  returned: always
  type: list
result:
  description: lvsdr apply's result member (unchanged, applied, rolled-back,
    rollback-failed, refused), or released / verified for the other states.
  returned: when lvsdr ran
  type: str
rc:
  description: lvsdr's exit status. Only on failure, since Ansible takes any
    rc other than 0 for a failure, and apply --dry-run exits 1 on drift.
  returned: failed
  type: int
stderr:
  description: lvsdr's standard error.
  returned: when lvsdr ran
  type: str
'''

import json
import os
import re

from ansible.module_utils.basic import AnsibleModule

# lvsdr's exit statuses (lvsdr(8), EXIT STATUS).
EXIT_OK, EXIT_DRIFT, EXIT_ERROR, EXIT_ROLLBACK_FAILED = 0, 1, 2, 3

# One removal in lvsdr release's output: "  1. remove 192.0.2.100/32 from lo".
RELEASE_LINE = re.compile(r'^\s*\d+\. remove (\S+) from (\S+)\s*$')


class Lvsdr(object):
    def __init__(self, module):
        self.module = module
        self.profile = module.params['profile']
        binary = module.params['binary']
        if os.sep in binary:
            self.binary = binary
        else:
            self.binary = module.get_bin_path(binary, required=True,
                                              opt_dirs=['/usr/sbin', '/usr/local/sbin'])

    def run(self, *args):
        cmd = [self.binary] + list(args) + [self.profile]
        # LC_ALL=C: lvsdr's text output is parsed for release.
        return self.module.run_command(cmd, environ_update={'LC_ALL': 'C'})

    def fail(self, rc, out, err, **extra):
        msg = (err or '').strip() or (out or '').strip() or 'lvsdr exited with status %d' % rc
        self.module.fail_json(msg=msg, rc=rc, stdout=out, stderr=err, **extra)

    def plan(self, *args):
        """lvsdr verify --json ARGS: (rc, plan, stderr); fails on exit 2 or more."""
        rc, out, err = self.run('verify', '--json', *args)
        if rc not in (EXIT_OK, EXIT_DRIFT):
            self.fail(rc, out, err)
        return rc, self.parse(rc, out, err), err

    def parse(self, rc, out, err):
        try:
            return json.loads(out)
        except ValueError:
            self.fail(rc, out, err)


def not_ok(plan):
    """Every finding of a plan that is not ok, as 'subject: status: detail'."""
    lines = []
    for knob in plan.get('knobs', []):
        if knob.get('status') != 'ok':
            lines.append('%s: %s: %s' % (knob.get('name'), knob.get('status'), knob.get('detail')))
    for vip in plan.get('vips', []):
        if vip.get('status') != 'ok':
            lines.append('%s/%s: %s: %s' % (vip.get('address'), vip.get('prefix'),
                                           vip.get('status'), vip.get('detail')))
    for finding in plan.get('findings', []):
        if finding.get('status') != 'ok':
            lines.append('%s: %s: %s' % (finding.get('subject'), finding.get('status'),
                                         finding.get('detail')))
    return lines


def address_line(address, interface):
    return '%s on %s' % (address, interface)


def plan_diff(plan, changes, knobs=True):
    """Before and after of the knobs and addresses a plan is about, one line each.

    Before is what lvsdr read; after is before with the changes made. Knob
    lines name the files lvsdr writes (conf/all and conf/IFACE)."""
    iface = plan.get('interface', '')
    before = []
    if knobs:
        for knob in plan.get('knobs', []):
            if not knob.get('managed'):
                continue
            for scope, key in (('all', 'all'), (iface, 'interface')):
                before.append(('conf/%s/%s' % (scope, knob.get('name')), knob.get(key)))
    for vip in plan.get('vips', []):
        if vip.get('state') == 'bound':
            line = address_line('%s/%s' % (vip.get('address'), vip.get('prefix')), vip.get('target'))
            before.append((line, None))
    for change in changes:
        if change.get('action') == 'remove':
            line = address_line(change.get('address'), change.get('interface'))
            if (line, None) not in before:
                before.append((line, None))
    after = list(before)
    for change in changes:
        action = change.get('action')
        if action == 'sysctl':
            path = change.get('path')
            after = [(k, change.get('to') if k == path else v) for k, v in after]
            if not any(k == path for k, _ in before):
                before.append((path, change.get('from')))
                after.append((path, change.get('to')))
        elif action == 'add':
            after.append((address_line(change.get('address'), change.get('interface')), None))
        elif action == 'remove':
            line = address_line(change.get('address'), change.get('interface'))
            after = [(k, v) for k, v in after if k != line]

    def text(pairs):
        return ''.join('%s = %s\n' % (k, v) if v is not None else '%s\n' % k for k, v in pairs)

    name = plan.get('profile', '')
    return {'before': text(before), 'after': text(after),
            'before_header': '%s (live)' % name, 'after_header': '%s (planned)' % name}


def applied(module, lv):
    boot = ['--boot'] if module.params['boot'] else []
    if module.check_mode:
        rc, out, err = lv.run('apply', '--dry-run', '--json', *boot)
        if rc not in (EXIT_OK, EXIT_DRIFT):
            lv.fail(rc, out, err)
        plan = lv.parse(rc, out, err)
        if plan.get('blocked'):
            module.fail_json(msg='lvsdr apply would refuse: ' + '; '.join(not_ok(plan)),
                             plan=plan, rc=rc, stderr=err)
        return finish(module, plan, plan.get('changes', []), 'planned', err)

    rc, out, err = lv.run('apply', '--json', *boot)
    if not out.strip():
        lv.fail(rc, out, err)
    plan = lv.parse(rc, out, err)
    changes = plan.get('changes', [])
    result = plan.get('result')
    if rc == EXIT_OK and result in ('applied', 'unchanged'):
        return finish(module, plan, changes if result == 'applied' else [], result, err)
    # Exit 1 after "applied": the changes stay but are not confirmed. A
    # failed rollback leaves some of them in place too.
    made = result == 'applied' or rc == EXIT_ROLLBACK_FAILED
    lv.fail(rc, out, err, changed=made, plan=plan, result=result,
            changes=changes if made else [])


def released(module, lv):
    rc, plan, err = lv.plan('--state', 'backup')
    # release removes addresses and leaves the knobs: only removals count.
    removals = [c for c in plan.get('changes', []) if c.get('action') == 'remove']
    if module.check_mode:
        return finish(module, plan, removals, 'planned', err, knobs=False)
    rc, out, err = lv.run('release')
    if rc != EXIT_OK:
        lv.fail(rc, out, err, changed=rc == EXIT_ROLLBACK_FAILED, plan=plan)
    for line in err.splitlines():
        if line.strip():
            module.warn(line.strip())
    # What release printed is what it did; the plan read before it may be
    # stale if another run came in between.
    done = [{'action': 'remove', 'address': m.group(1), 'interface': m.group(2)}
            for m in map(RELEASE_LINE.match, out.splitlines()) if m]
    return finish(module, plan, done, 'released', err, knobs=False)


def verified(module, lv):
    rc, plan, err = lv.plan('--state', module.params['verify_state'])
    if rc != EXIT_OK:
        module.fail_json(msg='%s: drift: %s' % (lv.profile, '; '.join(not_ok(plan))),
                         plan=plan, rc=rc, stderr=err, changes=[])
    module.exit_json(changed=False, plan=plan, changes=[], result='verified', stderr=err)


def finish(module, plan, changes, result, err, knobs=True):
    ret = dict(changed=bool(changes), plan=plan, changes=changes, result=result, stderr=err)
    # warn findings do not stop apply, and it cannot fix them: a person must.
    for line in not_ok(plan):
        if ': warn: ' in line:
            module.warn(line)
    if module._diff:
        ret['diff'] = plan_diff(plan, changes, knobs=knobs)
    module.exit_json(**ret)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            profile=dict(type='path', required=True),
            state=dict(type='str', default='applied', choices=['applied', 'released', 'verified']),
            verify_state=dict(type='str', default='master', choices=['master', 'backup', 'any']),
            binary=dict(type='str', default='lvsdr'),
            boot=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    profile = module.params['profile']
    if module.check_mode and not os.path.exists(profile):
        module.warn('%s does not exist yet: nothing to plan in check mode' % profile)
        module.exit_json(changed=module.params['state'] == 'applied', changes=[], result='unknown')
    lv = Lvsdr(module)
    {'applied': applied, 'released': released, 'verified': verified}[module.params['state']](module, lv)


if __name__ == '__main__':
    main()
