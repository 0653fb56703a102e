import jdk.incubator.vector.FloatVector;

/**
 * Prints the vector width jtuner's F32 kernels run on here: Sgemm takes 512-bit vectors where the JVM's preferred
 * species has at least 512 bits, else the preferred species (the rule of org.jtuner.tensor.cpu.Sgemm.S). Run as a
 * source file by bench/openblas-core.sh: java --add-modules jdk.incubator.vector bench/java/VectorInfo.java
 */
public class VectorInfo {
    public static void main(String[] args) {
        int preferred = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        int used = preferred >= 512 ? 512 : preferred;
        System.out.println("Vector API FloatVector " + used + "-bit (" + used / 32 + " lanes; JVM preferred " + preferred
                + "-bit), " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    }
}
