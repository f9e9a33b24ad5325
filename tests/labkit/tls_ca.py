"""A throwaway certificate authority made by openssl, and the certificates it signs as libvirt wants them, for
tests of libvirt's TLS transport (the lab's second libvirtd, and the host VMs' migrations)."""

import os
import shutil
import subprocess


def openssl(*argv):
    subprocess.run(("openssl",) + argv, check=True, capture_output=True, text=True)


class Ca:
    """A throwaway CA and the certificates it signs, as libvirt wants them (keyUsage, extendedKeyUsage)."""

    def __init__(self, folder, name):
        self.folder, self.name = folder, name
        self.key, self.cert = os.path.join(folder, name + "-key.pem"), os.path.join(folder, name + ".pem")
        openssl(
            *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.key, "-out", self.cert, "-days", "2"),
            *("-subj", "/CN=%s" % name, "-addext", "basicConstraints=critical,CA:TRUE"),
            *("-addext", "keyUsage=critical,keyCertSign,cRLSign"),
        )

    def issue(self, name, purpose, san=None):
        """(key, certificate) of `name`, for serverAuth or clientAuth, with the subjectAltName san."""
        key, csr, cert, ext = (os.path.join(self.folder, name + end) for end in ("-key.pem", ".csr", ".pem", ".ext"))
        openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=" + name)
        with open(ext, "w") as handle:
            handle.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n")
            handle.write("extendedKeyUsage=%s\n" % purpose + ("subjectAltName=%s\n" % san if san else ""))
        openssl(
            *("x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key, "-CAcreateserial", "-out", cert),
            *("-days", "2", "-extfile", ext),
        )
        return key, cert

    def pki(self, folder, pair, kind):
        """A folder as libvirt reads it: cacert.pem and KINDcert.pem, KINDkey.pem (kind: server or client)."""
        os.makedirs(folder)
        shutil.copy(self.cert, os.path.join(folder, "cacert.pem"))
        shutil.copy(pair[1], os.path.join(folder, kind + "cert.pem"))
        shutil.copy(pair[0], os.path.join(folder, kind + "key.pem"))
        os.chmod(os.path.join(folder, kind + "key.pem"), 0o600)
        return folder
