Attribute VB_Name = "closekit"
' closekit buttons for the classic xlwings add-in (docs/excel.md "Closing with the classic add-in").
' Import this module into the workbook (Alt+F11, File > Import File...), set a reference to
' xlwings (Tools > References > xlwings), and assign each macro to its shape on the Close sheet.
Sub closekit_validate()
    RunPython "import closekit_addin; closekit_addin.validate()"
End Sub

Sub closekit_close()
    RunPython "import closekit_addin; closekit_addin.close()"
End Sub

Sub closekit_export()
    RunPython "import closekit_addin; closekit_addin.export()"
End Sub

Sub closekit_hold()
    RunPython "import closekit_addin; closekit_addin.hold()"
End Sub
