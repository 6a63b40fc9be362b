namespace LiveFixtures.Suite.AssemblyScope;

// 44 classes share the assembly's one app and run in name order (see AssemblyInfo.cs). Each is its own collection.
// Class12 crashes the app and Class25 degrades it; every other class does ordinary work and must find a healthy app.

public sealed class Class01(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class02(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class03(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class04(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class05(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class06(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class07(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class08(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class09(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class10(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class11(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class12(SuiteAppFixture app) : CrashTests(app);
public sealed class Class13(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class14(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class15(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class16(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class17(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class18(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class19(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class20(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class21(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class22(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class23(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class24(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class25(SuiteAppFixture app) : DegradeTests(app);
public sealed class Class26(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class27(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class28(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class29(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class30(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class31(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class32(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class33(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class34(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class35(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class36(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class37(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class38(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class39(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class40(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class41(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class42(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class43(SuiteAppFixture app) : OrdinaryTests(app);
public sealed class Class44(SuiteAppFixture app) : OrdinaryTests(app);
