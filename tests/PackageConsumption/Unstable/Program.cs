// Never runs: the model in Model.cs must stop the build.
Console.WriteLine("unreachable");
