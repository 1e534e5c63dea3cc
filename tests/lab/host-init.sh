#!/bin/sh
# The first process of a lab host (started by lab.sh inside the host's new network, mount, pid,
# uts and ipc namespaces). It gives the host its own /proc, /sys, /dev and /run, makes the
# host's overlay the root (pivot_root, so the controller's files are out of reach), and
# becomes the host's sshd: the pid lab.sh records, whose death ends the whole host.
#   host-init.sh ROOT NAME
set -eu
r=$1
hostname "$2"
mount -t proc proc "$r/proc"
mount -t sysfs -o ro sysfs "$r/sys"          # shows this network namespace's interfaces
mount -t tmpfs -o mode=755,nosuid tmpfs "$r/dev"
mknod -m 666 "$r/dev/null" c 1 3
mknod -m 666 "$r/dev/zero" c 1 5
mknod -m 666 "$r/dev/full" c 1 7
mknod -m 666 "$r/dev/random" c 1 8
mknod -m 666 "$r/dev/urandom" c 1 9
mknod -m 666 "$r/dev/tty" c 5 0
mkdir "$r/dev/pts" "$r/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$r/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$r/dev/shm"
ln -s pts/ptmx "$r/dev/ptmx"
ln -s /proc/self/fd "$r/dev/fd"
ln -s /proc/self/fd/0 "$r/dev/stdin"
ln -s /proc/self/fd/1 "$r/dev/stdout"
ln -s /proc/self/fd/2 "$r/dev/stderr"
mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$r/run"
mkdir -m 755 "$r/run/sshd"
mkdir -m 1777 "$r/run/lock"
cd "$r"
pivot_root . mnt
# From here on the host's own binaries; /mnt held the controller's root until this umount.
exec chroot . /bin/sh -c 'cd / && umount -l /mnt && exec /usr/sbin/sshd -D -e'
