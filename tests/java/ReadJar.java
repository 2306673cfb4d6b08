// Reads a jar the way the JDK does at run time, for tests/jar.rs: run as
// `java tests/java/ReadJar.java <jar>`. Prints the manifest's Main-Class, then reads every entry
// fully twice: streaming through JarInputStream, and through JarFile opened with verify=true
// (which checks each entry's size and CRC). Exits non-zero on any failure.
import java.io.File;
import java.io.InputStream;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;
import java.util.jar.Manifest;
import java.util.zip.CRC32;

public class ReadJar {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java ReadJar.java <jar>");
            System.exit(2);
        }
        File jar = new File(args[0]);
        long streamed = 0;
        try (JarInputStream in = new JarInputStream(new java.io.FileInputStream(jar), true)) {
            Manifest manifest = in.getManifest();
            if (manifest == null) {
                throw new IllegalStateException("JarInputStream found no manifest");
            }
            System.out.println("Main-Class: " + manifest.getMainAttributes().getValue("Main-Class"));
            JarEntry entry;
            byte[] buf = new byte[65536];
            while ((entry = in.getNextJarEntry()) != null) {
                while (in.read(buf) >= 0) { }
                streamed++;
            }
        }
        long checked = 0;
        long bytes = 0;
        try (JarFile file = new JarFile(jar, true)) {
            Enumeration<JarEntry> entries = file.entries();
            byte[] buf = new byte[65536];
            while (entries.hasMoreElements()) {
                JarEntry entry = entries.nextElement();
                CRC32 crc = new CRC32();
                long size = 0;
                try (InputStream in = file.getInputStream(entry)) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        crc.update(buf, 0, n);
                        size += n;
                    }
                }
                if (!entry.isDirectory() && (crc.getValue() != entry.getCrc() || size != entry.getSize())) {
                    throw new IllegalStateException("entry " + entry.getName() + " does not match its CRC or size");
                }
                bytes += size;
                checked++;
            }
        }
        // JarInputStream consumes META-INF/ and the manifest itself, so it sees fewer entries.
        System.out.println("JarInputStream entries: " + streamed);
        System.out.println("JarFile(verify=true) entries: " + checked + ", bytes: " + bytes);
    }
}
