#!/bin/sh
# The tiny image's boot: the drivers, the NoCloud seed (hostname, SSH keys), DHCP on the first NIC.
# Every step prints the uptime on the console, for the boot-time measurements.
say() { echo "tiny: $(cut -d' ' -f1 /proc/uptime)s $*" > /dev/console; }
say "init"
while read -r module; do insmod "/lib/modules/$module" 2>/dev/null; done < /etc/modules.load
say "modules loaded"
mkdir -p /seed /root/.ssh /etc/dropbear
chmod 700 /root /root/.ssh
# The seed is a read-only virtio disk holding an ISO 9660 filesystem labelled cidata.
for dev in /dev/vd?; do
    mount -t iso9660 -o ro "$dev" /seed 2>/dev/null || continue
    [ -f /seed/meta-data ] && break
    umount /seed
done
if [ -f /seed/meta-data ]; then
    # user-data is "#cloud-config" then YAML or JSON; keys from every user land on root.
    grep -ohE '(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp[0-9]+|sk-[a-z0-9.@-]+) [A-Za-z0-9+/]+=*' \
        /seed/user-data > /root/.ssh/authorized_keys
    name=$(sed -nE 's/^[[:space:]]*"?hostname"?:[[:space:]]*"?([A-Za-z0-9.-]+).*/\1/p' /seed/user-data | head -n1)
    [ -n "$name" ] || name=$(sed -nE 's/.*"?local-hostname"?:[[:space:]]*"?([A-Za-z0-9.-]+).*/\1/p' /seed/meta-data | head -n1)
    [ -n "$name" ] && hostname "$name"
    say "seed read: hostname $(hostname), $(wc -l < /root/.ssh/authorized_keys) key(s)"
else
    say "no cidata seed found"
fi
chmod 600 /root/.ssh/authorized_keys 2>/dev/null
ip link set lo up
udhcpc -i eth0 -s /etc/udhcpc.script -t 30 -T 2 -b > /dev/console 2>&1
say "starting the SSH server"
